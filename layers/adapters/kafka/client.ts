import { Kafka, type KafkaConfig, logLevel } from "kafkajs";

/**
 * A kafkajs client for the brokers, quiet unless something is wrong. Its retries (8 by default, backing off
 * from 300 ms) cover every connection its producers, consumers and admins open; `options` replaces them.
 */
export function createKafka(
  brokers: string[],
  clientId = "vigil",
  options: Pick<KafkaConfig, "retry" | "connectionTimeout"> = {},
): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 300, retries: 8 },
    ...options,
  });
}
