import type pg from "pg";

/** A threat event as the investigation queries return it. */
export interface EventRow {
  event_id: string;
  ts: string;
  type: string | null;
  actor: string | null;
  ip: string | null;
  tactic: string | null;
  score: number | null;
  country: string | null;
  channel: string | null;
  msg: string | null;
}

const EVENT_COLUMNS = `event_id, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ts, type, actor,
  host(ip) AS ip, tactic, score, country, channel, msg`;

/**
 * The three questions analysts ask first (every parameter bound, never spliced): the latest events;
 * everything one actor did; and which IPs high-score events hit most.
 */
export function investigations(pool: pg.Pool) {
  return {
    async latestEvents(limit: number): Promise<EventRow[]> {
      const { rows } = await pool.query<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM raw.threat_events ORDER BY ts DESC, event_id DESC LIMIT $1`,
        [limit],
      );
      return rows;
    },

    async eventsOfActor(actor: string, limit: number): Promise<EventRow[]> {
      const { rows } = await pool.query<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM raw.threat_events WHERE actor = $1 ORDER BY ts DESC, event_id DESC LIMIT $2`,
        [actor, limit],
      );
      return rows;
    },

    async topTargetedIps(minScore: number, limit: number): Promise<{ ip: string; hits: number }[]> {
      const { rows } = await pool.query<{ ip: string; hits: string }>(
        `SELECT host(ip) AS ip, count(*) AS hits FROM raw.threat_events
          WHERE score > $1 AND ip IS NOT NULL GROUP BY ip ORDER BY hits DESC, host(ip) LIMIT $2`,
        [minScore, limit],
      );
      return rows.map((r) => ({ ip: r.ip, hits: Number(r.hits) }));
    },
  };
}
