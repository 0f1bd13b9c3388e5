import { settings } from "./config";

type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * One JSON object per line (what CloudWatch Logs Insights queries), with the function's own fields;
 * Lambda adds the request id to each line it captures.
 */
function write(level: Level, message: string, fields: Record<string, unknown> = {}): void {
  let threshold: Level = "info";
  try {
    threshold = settings().LOG_LEVEL;
  } catch {
    // A bad setting is reported by the code that needs it; logging must still work to say so.
  }
  if (ORDER[level] < ORDER[threshold]) return;
  const line = JSON.stringify({ level, time: new Date().toISOString(), message, ...fields });
  if (level === "error" || level === "warn") console.error(line);
  else console.log(line);
}

export const logger = {
  debug: (message: string, fields?: Record<string, unknown>) => write("debug", message, fields),
  info: (message: string, fields?: Record<string, unknown>) => write("info", message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => write("warn", message, fields),
  error: (message: string, fields?: Record<string, unknown>) => write("error", message, fields),
};
