import { z } from "zod";
import { ConfigError } from "../core/errors";

/**
 * The one place that reads the environment (DESIGN.md §4). Every setting is validated once, and a bad one
 * fails with its variable's name, the value seen and what was expected. Locally the values come from
 * .env.example / .env through localstack/settings.cjs; in AWS from serverless.yml's `environment`.
 */
const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    `a URL with scheme ${protocols.join(" or ")}`,
  );

const brokers = z
  .string()
  .min(1, "a comma-separated list of host:port")
  .transform((value) => value.split(",").map((b) => b.trim()))
  .refine((list) => list.every((b) => /^[^:\s]+:\d{1,5}$/.test(b)), "a comma-separated list of host:port");

const schema = {
  AWS_REGION: z.string().min(1).default("us-east-1").describe("an AWS region such as us-east-1"),
  /** Set locally to LocalStack; unset in AWS so the SDK uses the real endpoints. */
  AWS_ENDPOINT_URL: url(["http:", "https:"]).optional(),
  S3_ENDPOINT: url(["http:", "https:"]).optional(),
  KAFKA_BROKERS: brokers.describe("a comma-separated list of host:port, e.g. 127.0.0.1:9092"),
  BRONZE_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/)
    .describe("an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)"),
  DATABASE_URL: url(["postgres:", "postgresql:"]).describe("a postgres:// connection URL"),
  /**
   * Postgres connections one container may hold. A Lambda container serves one invocation at a time, so a
   * few suffice; with many containers, their sum must stay under the server's max_connections.
   */
  PG_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10).describe("a whole number from 1 to 100"),
  /**
   * How long one Postgres statement or Neo4j read transaction of the query API may run before the server
   * stops it (a 503): under the API functions' 29 s timeout, so a read never runs on after its request is
   * gone (Neo4j checks every second or two, so a read may run that much longer).
   */
  API_STATEMENT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(28_000)
    .default(20_000)
    .describe("milliseconds, 100 to 28000 (under the API functions' 29 s timeout)"),
  NEO4J_URI: url(["bolt:", "neo4j:", "bolt+s:", "neo4j+s:"]).describe("a bolt:// or neo4j:// URL"),
  NEO4J_USER: z.string().min(1).default("neo4j"),
  NEO4J_PASSWORD: z.string().min(1).describe("the Neo4j password (locally from .env.example)"),
  API_KEYS_SECRET: z.string().min(1).default("vigil/api-keys"),
  KEV_FEED_URL: url(["http:", "https:"])
    .default("https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json")
    .describe("an http(s) URL of the CISA KEV JSON feed"),
  /** The CSV dump (no key needed) or the JSON API `…/v1/urls/recent/` (needs the Auth-Key secret). */
  URLHAUS_FEED_URL: url(["http:", "https:"])
    .default("https://urlhaus.abuse.ch/downloads/csv_recent/")
    .describe("an http(s) URL of the URLhaus CSV dump or JSON API"),
  FEED_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(300_000)
    .default(30_000)
    .describe("milliseconds per feed request, 1000 to 300000"),
  FEED_RETRIES: z.coerce.number().int().min(0).max(10).default(3).describe("a whole number from 0 to 10"),
  FEED_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(200 * 1024 * 1024)
    .describe("the largest feed body accepted, in bytes"),
  URLHAUS_AUTH_KEY_SECRET: z.string().min(1).default("vigil/urlhaus-auth-key"),
  /** Records per Kafka-triggered invocation (serverless.yml reads it too). */
  KAFKA_BATCH_SIZE: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(1000)
    .describe("a whole number from 1 to 10000"),
  /** Only seeds the local secret on `make up`; functions read the key from Secrets Manager. */
  URLHAUS_AUTH_KEY: z.string().optional(),
  /** Set by `serverless invoke local`: a one-shot process that must close its connections to exit. */
  IS_LOCAL: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => v === "true"),
  /** Where S3 announces objects created under raw-logs/ locally (the offline S3 trigger polls it). */
  RAW_LOGS_QUEUE: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,80}$/)
    .default("vigil-raw-logs")
    .describe("an SQS queue name (letters, digits, - and _, at most 80)"),
  /** Lines of a security log committed per transaction (the resume granularity after a crash). */
  SECURITY_LOGS_CHUNK_LINES: z.coerce
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(1000)
    .describe("a whole number from 1 to 100000"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
} as const;

type Schema = typeof schema;
export type Settings = { [K in keyof Schema]: z.output<Schema[K]> };

/**
 * Reads and validates the settings from `env` (the process environment by default).
 * @throws ConfigError naming the first variable that is missing or malformed.
 */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const settings: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(schema)) {
    const raw = env[name] === "" ? undefined : env[name];
    const parsed = (rule as z.ZodTypeAny).safeParse(raw);
    const { description } = rule as z.ZodTypeAny;
    if (!parsed.success) {
      const expected = description ?? parsed.error.issues[0]?.message ?? "a value";
      const problem =
        raw === undefined ? `is not set; expected ${expected}` : `got "${raw}"; expected ${expected}`;
      throw new ConfigError(name, problem);
    }
    settings[name] = parsed.data;
  }
  return settings as Settings;
}

let cached: Settings | undefined;

/** The settings of this container, read on first use and kept (Lambda reuses containers). */
export function settings(): Settings {
  cached ??= readSettings();
  return cached;
}
