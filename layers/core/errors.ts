/**
 * Every failure Vigil raises says why (`reason`, a stable code) and whether trying again can help
 * (`retryable`). The Kafka path decides "retry the batch" versus "dead-letter the record" from that flag
 * alone; the HTTP edge maps `status` and never shows a 5xx's message.
 */
export class VigilError extends Error {
  readonly reason: string;
  readonly retryable: boolean;
  readonly status: number;

  constructor(
    message: string,
    options: { reason: string; retryable: boolean; status?: number; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.reason = options.reason;
    this.retryable = options.retryable;
    this.status = options.status ?? (options.retryable ? 503 : 500);
  }
}

/** A setting is missing or malformed: names the variable, the value seen and what was expected. */
export class ConfigError extends VigilError {
  readonly variable: string;

  constructor(variable: string, problem: string) {
    super(`setting ${variable}: ${problem}`, { reason: "config_invalid", retryable: false });
    this.variable = variable;
  }
}

/** An outside service (S3, Kafka, Postgres, Neo4j, Secrets Manager) failed; the work is retried. */
export class ServiceUnavailableError extends VigilError {
  readonly service: string;

  constructor(service: string, message: string, cause?: unknown) {
    super(`${service}: ${message}`, { reason: "service_unavailable", retryable: true, status: 503, cause });
    this.service = service;
  }
}

/** Input that can never succeed, however often it is retried: names the field, value and expectation. */
export class InvalidInputError extends VigilError {
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`, { reason: "invalid_input", retryable: false, status: 400 });
    this.field = field;
  }
}

/**
 * A feed publication that can never load as it is (truncated, not JSON, failing the published schema, an
 * API error inside a 200 body): the run is recorded as rejected and the last good data stays untouched.
 * `where` points at the spot (a JSON path, a line and column), so the error is actionable.
 */
export class FeedRejectedError extends VigilError {
  readonly source: string;
  readonly where: string | undefined;

  constructor(source: string, problem: string, where?: string) {
    super(`${source} feed rejected: ${problem}${where ? ` (at ${where})` : ""}`, {
      reason: "feed_rejected",
      retryable: false,
      status: 422,
    });
    this.source = source;
    this.where = where;
  }
}

/** What the caller asked for does not exist (an unknown event id, CVE or graph node): HTTP 404. */
export class NotFoundError extends VigilError {
  constructor(what: string, key: string) {
    super(`${what} ${JSON.stringify(key)} not found`, { reason: "not_found", retryable: false, status: 404 });
  }
}
