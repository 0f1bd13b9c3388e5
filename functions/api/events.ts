import { eventQuery } from "../../layers/core/api/events";
import { eventById, eventPage } from "../../layers/core/api/investigations";
import { API_ROUTES } from "../../layers/core/api/routes";
import { eventQueries } from "../../layers/runtime/api";
import { apiHandler } from "../../layers/runtime/http";

/** GET /v1/events — threat events, newest first, filtered, paged by cursor. */
export const list = apiHandler(API_ROUTES.listEvents, async ({ query }) => {
  const { filter, page } = eventQuery(query);
  return (await eventPage(eventQueries(), filter, page)).body;
});

/** GET /v1/events/{id} — one event with its provenance; 404 when unknown. */
export const get = apiHandler(API_ROUTES.getEvent, async ({ path }) => eventById(eventQueries(), path.id));

/** GET /v1/actors/{actor}/events — one actor's events, newest first. */
export const ofActor = apiHandler(API_ROUTES.actorEvents, async ({ query, path }) => {
  const { filter, page } = eventQuery(query, { actor: path.actor });
  return (await eventPage(eventQueries(), filter, page)).body;
});
