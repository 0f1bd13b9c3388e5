// The local settings, resolved once the same way for every consumer: the stack launcher (bash, through
// `node localstack/settings.cjs --export`), serverless.yml (`${file(./localstack/settings.cjs)}`) and the
// integration tests. Precedence: the environment, then .env, then .env.example; `${NAME}` references
// expand, so changing POSTGRES_PORT in .env also changes DATABASE_URL.
"use strict";

const { readFileSync, existsSync } = require("node:fs");
const { resolve, isAbsolute } = require("node:path");

const root = resolve(__dirname, "..");

/** Parses KEY=VALUE lines; `#` comments and blank lines are skipped, surrounding quotes removed. */
function parseEnvFile(text, file) {
  const entries = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) throw new Error(`${file}:${index + 1}: expected NAME=value, got "${line}"`);
    let value = match[2].trim();
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    entries.push([match[1], value]);
  });
  return entries;
}

function expand(value, lookup) {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name) => lookup(name) ?? "");
}

/** The merged settings: every name of .env.example and .env, with the environment's value winning. */
function loadSettings(env = process.env) {
  const settings = {};
  for (const name of [".env.example", ".env"]) {
    const file = resolve(root, name);
    if (!existsSync(file)) continue;
    for (const [key, value] of parseEnvFile(readFileSync(file, "utf8"), name)) {
      settings[key] = expand(value, (ref) => env[ref] ?? settings[ref]);
    }
  }
  for (const key of Object.keys(settings)) {
    if (env[key] !== undefined) settings[key] = env[key];
  }
  if (settings.VIGIL_HOME && !isAbsolute(settings.VIGIL_HOME)) {
    settings.VIGIL_HOME = resolve(root, settings.VIGIL_HOME);
  }
  return settings;
}

const shellQuote = (value) => `'${String(value).replace(/'/g, `'\\''`)}'`;

if (require.main === module) {
  if (process.argv[2] !== "--export") {
    process.stderr.write("usage: node localstack/settings.cjs --export\n");
    process.exit(2);
  }
  try {
    const lines = Object.entries(loadSettings()).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
    process.stdout.write(`${lines.join("\n")}\n`);
  } catch (error) {
    process.stderr.write(`settings: ${error.message}\n`);
    process.exit(1);
  }
}

/** A comma-separated setting as a list, empty entries dropped. */
const listOf = (value) =>
  String(value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");

/**
 * A numeric setting as a number, refused (naming the setting, its value and what it takes) unless it is a
 * number from `min` to `max`, and a whole one when `whole`: CloudFormation would otherwise get NaN or a
 * fraction and fail the deploy with no word of which setting it came from.
 */
function numberOf(settings, name, { min, max, whole }) {
  const text = String(settings[name] ?? "").trim();
  const value = Number(text);
  if (
    text === "" ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (whole && !Number.isInteger(value))
  ) {
    const expected = `${whole ? "a whole number" : "a number"} from ${min} to ${max}`;
    throw new Error(`${name} is ${JSON.stringify(settings[name] ?? "")}: expected ${expected}`);
  }
  return value;
}

// serverless.yml resolves `${file(./localstack/settings.cjs)}` by calling the exported function; it also
// gets the broker, subnet, security group and web origin lists as arrays and the batch size and the API's
// throttle as numbers, the shapes the `kafka:` event, `provider.vpc`, `provider.httpApi.cors` and the HTTP
// API stage's route settings take. The batch size's bounds are the functions' own (layers/runtime/config.ts,
// which the Lambda event source mapping's limit for Kafka sets); the throttle's, API Gateway's default
// account quota.
module.exports = async () => {
  const settings = loadSettings();
  return {
    ...settings,
    KAFKA_BROKER_LIST: listOf(settings.KAFKA_BROKERS),
    KAFKA_BATCH_SIZE: numberOf(settings, "KAFKA_BATCH_SIZE", { min: 1, max: 10_000, whole: true }),
    DEPLOY_KAFKA_BROKER_LIST: listOf(settings.DEPLOY_KAFKA_BROKERS),
    DEPLOY_SUBNET_ID_LIST: listOf(settings.DEPLOY_SUBNET_IDS),
    DEPLOY_SECURITY_GROUP_ID_LIST: listOf(settings.DEPLOY_SECURITY_GROUP_IDS),
    WEB_ORIGIN_LIST: listOf(settings.WEB_ORIGINS),
    DEPLOY_WEB_ORIGIN_LIST: listOf(settings.DEPLOY_WEB_ORIGINS),
    DEPLOY_API_THROTTLE_RATE: numberOf(settings, "DEPLOY_API_THROTTLE_RATE", { min: 1, max: 10_000 }),
    DEPLOY_API_THROTTLE_BURST: numberOf(settings, "DEPLOY_API_THROTTLE_BURST", {
      min: 1,
      max: 5_000,
      whole: true,
    }),
  };
};
module.exports.loadSettings = loadSettings;
module.exports.listOf = listOf;
module.exports.parseEnvFile = parseEnvFile;
