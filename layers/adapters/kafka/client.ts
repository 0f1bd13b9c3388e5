import { Kafka, logLevel } from "kafkajs";

/** A kafkajs client for the brokers, quiet unless something is wrong. */
export function createKafka(brokers: string[], clientId = "vigil"): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 300, retries: 8 },
  });
}
