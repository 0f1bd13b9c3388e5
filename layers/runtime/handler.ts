import middy from "@middy/core";
import { settings } from "./config";
import { closeContainer } from "./container";

/**
 * `serverless invoke local` runs one invocation in a CLI process; open Bolt and Postgres connections
 * would keep that process alive forever. There (and only there) the clients are closed afterwards; in
 * Lambda and under serverless-offline they stay open for the next invocation.
 */
export function closeAfterLocalInvoke(): middy.MiddlewareObj {
  const close = async () => {
    if (settings().IS_LOCAL) await closeContainer();
  };
  return { after: close, onError: close };
}

/** Every Vigil handler: `main` wrapped in middy with the middleware all functions share. */
export function lambdaHandler<E, R>(main: (event: E) => Promise<R>) {
  return middy(main).use(closeAfterLocalInvoke());
}
