// serverless-offline ships no types; this is the part of its Lambda runner the companion uses.
declare module "serverless-offline/lambda" {
  interface LambdaFunction {
    setEvent(event: unknown): void;
    runHandler(): Promise<unknown>;
  }
  export default class Lambda {
    constructor(serverless: unknown, options: Record<string, unknown>);
    create(lambdas: { functionKey: string; functionDefinition: unknown }[]): void;
    get(functionKey: string): LambdaFunction;
    cleanup(): Promise<void>;
  }
}
