import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { InvalidInputError } from "../errors";
import { parseUtcOffset } from "./time";

/**
 * What a dataset's metadata tells the pipeline: its ATT&CK techniques (stamped on every event of the
 * dataset) and, for exports whose times carry no zone, the zone they were written in.
 *
 * Users supply it three ways, merged in this order:
 * - a sidecar object beside the log object, `<dataset>.yaml` / `.yml` / `.meta.json` (OTRF Security-Datasets
 *   publish exactly such a YAML: `attack_mappings: [{ technique: T1003, sub-technique: "002" }]`);
 * - S3 user metadata on the log object: `x-amz-meta-attack-techniques: T1003.002,T1003.001`;
 * - S3 user metadata `x-amz-meta-dataset-metadata: <key>` naming a metadata object in the same bucket
 *   (for OTRF files named by id, e.g. `SDWIN-190625133822.yaml`).
 */
export interface DatasetMetadata {
  techniques: string[];
  /** UTC − local, in milliseconds, for zone-less local times (`utc_offset: "-04:00"`). */
  utcOffsetMs: number | null;
  title: string | null;
  /** Where it came from, e.g. `s3://bucket/raw-logs/x.yaml` or `s3-metadata`. */
  sources: string[];
}

export const TECHNIQUE_ID = /^T\d{4}(\.\d{3})?$/;

const techniqueId = z
  .string()
  .trim()
  .transform((t) => t.toUpperCase())
  .refine((t) => TECHNIQUE_ID.test(t), "an ATT&CK technique id such as T1003 or T1003.002");

const subTechnique = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined || v === "" ? null : String(v).padStart(3, "0")))
  .refine((v) => v === null || /^\d{3}$/.test(v), "three digits such as 002");

const AttackMappingSchema = z
  .object({ technique: techniqueId, "sub-technique": subTechnique.optional() })
  .passthrough();

/** The metadata document: OTRF's `attack_mappings`, or a plain `attack_techniques` list; other keys kept. */
export const DatasetMetadataSchema = z
  .object({
    title: z.string().nullish(),
    id: z.string().nullish(),
    attack_mappings: z.array(AttackMappingSchema).nullish(),
    attack_techniques: z.array(techniqueId).nullish(),
    utc_offset: z
      .string()
      .refine((v) => parseUtcOffset(v) !== null, 'a UTC offset such as "-04:00"')
      .nullish(),
  })
  .passthrough();

const sortedUnique = (ids: Iterable<string>) => [...new Set(ids)].sort();

/**
 * Reads a metadata document (YAML, which includes JSON).
 * @throws InvalidInputError naming the field and the expectation when it is not valid metadata.
 */
export function parseDatasetMetadata(text: string, source: string): DatasetMetadata {
  let document: unknown;
  try {
    document = parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    throw new InvalidInputError(source, `not YAML or JSON: ${(error as Error).message.split("\n")[0]}`);
  }
  const parsed = DatasetMetadataSchema.safeParse(document ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidInputError(
      `${source}: ${issue?.path.join(".") || "(document)"}`,
      issue?.message ?? "invalid",
    );
  }
  const m = parsed.data;
  const fromMappings = (m.attack_mappings ?? []).map((a) =>
    a["sub-technique"] ? `${a.technique}.${a["sub-technique"]}` : a.technique,
  );
  return {
    techniques: sortedUnique([...fromMappings, ...(m.attack_techniques ?? [])]),
    utcOffsetMs: m.utc_offset ? parseUtcOffset(m.utc_offset) : null,
    title: m.title ?? m.id ?? null,
    sources: [source],
  };
}

/**
 * The techniques of S3 user metadata `attack-techniques` (comma or space separated).
 * @throws InvalidInputError naming the value that is not a technique id.
 */
export function techniquesFromHeader(value: string): string[] {
  const ids = value
    .split(/[\s,]+/)
    .map((t) => t.trim().toUpperCase())
    .filter(Boolean);
  const bad = ids.find((t) => !TECHNIQUE_ID.test(t));
  if (bad) {
    throw new InvalidInputError(
      "x-amz-meta-attack-techniques",
      `"${bad}" is not an ATT&CK technique id such as T1003.002`,
    );
  }
  return sortedUnique(ids);
}

/** Several metadata sources as one: techniques united, the first offset and title that is set. */
export function mergeDatasetMetadata(parts: readonly DatasetMetadata[]): DatasetMetadata {
  return {
    techniques: sortedUnique(parts.flatMap((p) => p.techniques)),
    utcOffsetMs: parts.find((p) => p.utcOffsetMs !== null)?.utcOffsetMs ?? null,
    title: parts.find((p) => p.title !== null)?.title ?? null,
    sources: parts.flatMap((p) => p.sources),
  };
}

export const NO_METADATA: DatasetMetadata = { techniques: [], utcOffsetMs: null, title: null, sources: [] };
