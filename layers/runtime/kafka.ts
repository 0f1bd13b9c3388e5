import type { Kafka, Producer } from "kafkajs";
import { createKafka } from "../adapters/kafka/client";
import { type Settings, settings } from "./config";
import { perContainer } from "./container";

/** A Kafka client for the settings' brokers (it connects per producer, consumer or admin). */
export function kafkaClientFor(s: Settings): Kafka {
  return createKafka(s.KAFKA_BROKERS);
}

/** This container's Kafka client. */
export const kafkaClient = /* @__PURE__ */ perContainer(() => kafkaClientFor(settings()));

const producerSlot = /* @__PURE__ */ perContainer(
  (): { connected?: Promise<Producer> } => ({}),
  (slot) => slot.connected?.then((p) => p.disconnect()).catch(() => {}),
);

/**
 * This container's Kafka producer, connected on first use. Idempotent, so a retried send after a broker
 * hiccup does not write a message twice into the same partition. A failed connect is not kept: the next
 * call tries again.
 */
export function kafkaProducer(): Promise<Producer> {
  const slot = producerSlot();
  slot.connected ??= (async () => {
    const p = kafkaClient().producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await p.connect();
    return p;
  })().catch((error: unknown) => {
    slot.connected = undefined;
    throw error;
  });
  return slot.connected;
}
