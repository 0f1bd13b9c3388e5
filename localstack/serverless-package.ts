/**
 * `serverless package --stage <stage>` into a folder of its own, built in an esbuild work folder of its own
 * (serverless.yml reads VIGIL_ESBUILD_WORK_FOLDER), so the bundle bench and the deploy rehearsal can package
 * while `serverless offline`, `invoke local` or another package runs in the same checkout. No AWS account
 * is needed: the deploy settings default to placeholders (.env.example, DEPLOY_*).
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface CloudFormationResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  [attribute: string]: unknown;
}

export interface CloudFormationTemplate {
  Resources: Record<string, CloudFormationResource>;
  Outputs?: Record<string, { Value: unknown; [key: string]: unknown }>;
  [section: string]: unknown;
}

export interface PackagedService {
  /** The folder holding the zips and the templates. */
  dir: string;
  /** cloudformation-template-update-stack.json: every function and every resource of resources/. */
  template: CloudFormationTemplate;
}

/**
 * Packages the service for `stage` into `outDir` (created), with the settings of `env` (the process
 * environment by default: environment > .env > .env.example).
 * @throws Error carrying the end of serverless's output when packaging fails.
 */
export async function packageService(
  stage: string,
  outDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PackagedService> {
  const dir = join(outDir, "package");
  // serverless-esbuild joins this onto the service folder, so it must be relative to it.
  const workFolder = relative(ROOT, join(outDir, "esbuild"));
  try {
    await promisify(execFile)(
      process.execPath,
      [
        join(ROOT, "node_modules/serverless/bin/serverless.js"),
        "package",
        "--stage",
        stage,
        "--package",
        dir,
      ],
      {
        cwd: ROOT,
        env: {
          ...env,
          VIGIL_ESBUILD_WORK_FOLDER: workFolder,
          SLS_TELEMETRY_DISABLED: "1",
          SLS_NOTIFICATIONS_MODE: "off",
          FORCE_COLOR: "0",
        },
        timeout: 600_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    const tail = `${stdout}\n${stderr}`.trim().split("\n").slice(-30).join("\n");
    throw new Error(`serverless package --stage ${stage} failed:\n${tail}`);
  }
  const template = JSON.parse(
    await readFile(join(dir, "cloudformation-template-update-stack.json"), "utf8"),
  ) as CloudFormationTemplate;
  return { dir, template };
}
