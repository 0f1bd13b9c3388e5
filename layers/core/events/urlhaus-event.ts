import { z } from "zod";
import { bigintDigits, storableInstant } from "./rules";

/**
 * The `urlhaus.events` payload: one change of a URLhaus entry as Vigil saw it (a new URL, or a change of
 * its status or tags). `event_id` is stable per change, so publishing the same change twice is harmless.
 */
export const UrlhausEventSchema = z
  .object({
    event_id: z.string().min(1).max(128),
    ts: storableInstant().describe("When Vigil observed the change"),
    change: z.enum(["added", "status_changed", "tags_changed"]),
    urlhaus_id: bigintDigits("the numeric URLhaus id (up to 9223372036854775807)"),
    url: z.string().min(1).max(8192),
    host: z.string().min(1).max(1024),
    url_status: z.enum(["online", "offline", "unknown"]),
    threat: z.string().max(128).optional(),
    tags: z.array(z.string().max(128)).max(64).default([]),
    date_added: storableInstant().optional(),
    last_online: storableInstant().nullable().optional(),
    reporter: z.string().max(128).optional(),
  })
  .passthrough();

export type UrlhausEvent = z.output<typeof UrlhausEventSchema>;
