import { z } from "zod";

/**
 * The `urlhaus.events` payload: one change of a URLhaus entry as Vigil saw it (a new URL, or a change of
 * its status or tags). `event_id` is stable per change, so publishing the same change twice is harmless.
 */
export const UrlhausEventSchema = z
  .object({
    event_id: z.string().min(1).max(128),
    ts: z.string().datetime({ offset: true }).describe("When Vigil observed the change"),
    change: z.enum(["added", "status_changed", "tags_changed"]),
    urlhaus_id: z.string().regex(/^\d+$/, "the numeric URLhaus id"),
    url: z.string().min(1).max(8192),
    host: z.string().min(1).max(1024),
    url_status: z.enum(["online", "offline", "unknown"]),
    threat: z.string().max(128).optional(),
    tags: z.array(z.string().max(128)).max(64).default([]),
    date_added: z.string().datetime({ offset: true }).optional(),
    last_online: z.string().datetime({ offset: true }).nullable().optional(),
    reporter: z.string().max(128).optional(),
  })
  .passthrough();

export type UrlhausEvent = z.output<typeof UrlhausEventSchema>;
