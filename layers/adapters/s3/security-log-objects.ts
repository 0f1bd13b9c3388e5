import { PassThrough, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import yauzl from "yauzl";
import { InvalidInputError, ServiceUnavailableError, VigilError } from "../../core/errors";
import type { LogMember, LogObjectSource, QuarantineStore } from "../../core/security-logs/ingest-log-object";
import {
  bareEtag,
  type LogObjectKind,
  type LogObjectRef,
  ObjectSupersededError,
} from "../../core/security-logs/log-object";

const statusOf = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

const s3Failure = (what: string, bucket: string, key: string, error: unknown) =>
  new ServiceUnavailableError(
    "s3",
    `${what} s3://${bucket}/${key} failed: ${(error as Error).message}`,
    error,
  );

// If-Match takes the ETag quoted, as S3 returns it.
const quoted = (etag: string) => `"${etag}"`;

/** GetObject of one version (optionally a byte range); 412 means the version is gone. */
async function getBody(s3: S3Client, ref: LogObjectRef, range?: string): Promise<Readable> {
  try {
    const out = await s3.send(
      new GetObjectCommand({
        Bucket: ref.bucket,
        Key: ref.key,
        ...(ref.etag ? { IfMatch: quoted(ref.etag) } : {}),
        ...(range ? { Range: range } : {}),
      }),
    );
    return out.Body as Readable;
  } catch (error) {
    const status = statusOf(error);
    if (status === 412 || status === 404) throw new ObjectSupersededError(ref);
    throw s3Failure("GET", ref.bucket, ref.key, error);
  }
}

/**
 * A stream's chunks, its errors translated: zlib's (a corrupt .gz) and yauzl's (a corrupt zip) mean bytes
 * that are not what the name says — never loadable — while anything else is the service's (retried).
 */
async function* bytesOf(stream: Readable, ref: LogObjectRef, what: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch (error) {
    if (error instanceof VigilError) throw error;
    const code = (error as { code?: string }).code ?? "";
    if (code.startsWith("Z_") || what !== "read") {
      throw new InvalidInputError(`s3://${ref.bucket}/${ref.key}`, `${what}: ${(error as Error).message}`);
    }
    throw s3Failure("reading", ref.bucket, ref.key, error);
  } finally {
    stream.destroy();
  }
}

/**
 * yauzl reads a zip by ranges (the central directory at the end first, then each entry's data): here each
 * range is an S3 ranged GET of the same version, so a large archive is never held in memory or on disk.
 */
class S3RangeReader extends yauzl.RandomAccessReader {
  // Not `ref`: RandomAccessReader has ref()/unref() methods of its own.
  constructor(
    private readonly s3: S3Client,
    private readonly version: LogObjectRef,
  ) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const out = new PassThrough();
    getBody(this.s3, this.version, `bytes=${start}-${end - 1}`).then(
      (body) => {
        // A dropped connection is the service's failure (retried), not a corrupt archive.
        body.on("error", (error) =>
          out.destroy(s3Failure("reading", this.version.bucket, this.version.key, error)),
        );
        body.pipe(out);
      },
      (error: unknown) => out.destroy(error as Error),
    );
    return out;
  }
}

const openZip = (reader: yauzl.RandomAccessReader, size: number) =>
  new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromRandomAccessReader(reader, size, { lazyEntries: true, autoClose: false }, (error, zip) =>
      error ? reject(error) : resolve(zip),
    ),
  );

const nextEntry = (zip: yauzl.ZipFile) =>
  new Promise<yauzl.Entry | null>((resolve, reject) => {
    const cleanup = () => {
      zip.off("entry", onEntry);
      zip.off("end", onEnd);
      zip.off("error", onError);
    };
    const onEntry = (entry: yauzl.Entry) => {
      cleanup();
      resolve(entry);
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    zip.on("entry", onEntry);
    zip.on("end", onEnd);
    zip.on("error", onError);
    zip.readEntry();
  });

const zipError = (ref: LogObjectRef, error: unknown) =>
  error instanceof VigilError
    ? error
    : new InvalidInputError(
        `s3://${ref.bucket}/${ref.key}`,
        `not a readable zip: ${(error as Error).message}`,
      );

/** macOS archivers add `__MACOSX/` resource forks; directories have no bytes. */
const isLogEntry = (name: string) => !name.endsWith("/") && !name.startsWith("__MACOSX/");

async function* zipMembers(s3: S3Client, ref: LogObjectRef, size: number): AsyncGenerator<LogMember> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(new S3RangeReader(s3, ref), size);
  } catch (error) {
    throw zipError(ref, error);
  }
  try {
    for (;;) {
      let entry: yauzl.Entry | null;
      try {
        entry = await nextEntry(zip);
      } catch (error) {
        throw zipError(ref, error);
      }
      if (!entry) return;
      if (!isLogEntry(entry.fileName)) continue;
      let stream: Readable;
      try {
        stream = await zip.openReadStreamPromise(entry);
      } catch (error) {
        throw zipError(ref, error);
      }
      const name = entry.fileName;
      const inflated = name.toLowerCase().endsWith(".gz") ? stream.pipe(createGunzip()) : stream;
      if (inflated !== stream) stream.on("error", (error) => inflated.destroy(error));
      yield { name, bytes: bytesOf(inflated, ref, `zip entry ${name}`) };
    }
  } finally {
    zip.close();
  }
}

/** The raw-logs drop zone on S3: versions pinned by ETag (If-Match), gzip and zip read as streams. */
export function s3LogObjectSource(s3: S3Client): LogObjectSource {
  return {
    async head(ref) {
      try {
        const out = await s3.send(
          new HeadObjectCommand({
            Bucket: ref.bucket,
            Key: ref.key,
            ...(ref.etag ? { IfMatch: quoted(ref.etag) } : {}),
          }),
        );
        return {
          size: out.ContentLength ?? 0,
          lastModified: out.LastModified ?? new Date(0),
          userMetadata: out.Metadata ?? {},
        };
      } catch (error) {
        const status = statusOf(error);
        if (status === 412 || status === 404) return null;
        throw s3Failure("HEAD", ref.bucket, ref.key, error);
      }
    },

    async *members(ref, kind: LogObjectKind) {
      if (kind === "zip") {
        const head = await this.head(ref);
        if (!head) throw new ObjectSupersededError(ref);
        yield* zipMembers(s3, ref, head.size);
        return;
      }
      const body = await getBody(s3, ref);
      if (kind === "gzip") {
        const gunzip = createGunzip();
        body.on("error", (error) => gunzip.destroy(s3Failure("reading", ref.bucket, ref.key, error)));
        yield { name: "", bytes: bytesOf(body.pipe(gunzip), ref, "gunzip") };
        return;
      }
      yield { name: "", bytes: bytesOf(body, ref, "read") };
    },

    async readText(bucket, key, maxBytes) {
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if ((out.ContentLength ?? 0) > maxBytes) {
          (out.Body as Readable | undefined)?.destroy();
          throw new InvalidInputError(
            `s3://${bucket}/${key}`,
            `larger than ${maxBytes} bytes; metadata is small`,
          );
        }
        return { text: (await out.Body?.transformToString("utf8")) ?? "", etag: bareEtag(out.ETag ?? "") };
      } catch (error) {
        if (error instanceof VigilError) throw error;
        const status = statusOf(error);
        if (status === 404 || (error as Error).name === "NoSuchKey") return null;
        throw s3Failure("GET", bucket, key, error);
      }
    },
  };
}

/** Bronze `quarantine/security-logs/…`: the rejected lines of a chunk as JSON lines (one PUT, replaceable). */
export function s3SecurityLogQuarantine(s3: S3Client, bucket: string): QuarantineStore {
  return {
    async putLines(key, lines) {
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`,
            ContentType: "application/x-ndjson",
          }),
        );
      } catch (error) {
        throw s3Failure("PUT", bucket, key, error);
      }
    },
  };
}

/** Every object under a prefix (all pages), for backfill. */
export async function* listLogObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
): AsyncGenerator<{ bucket: string; key: string; etag: string; size: number; lastModified: Date }> {
  let token: string | undefined;
  do {
    let page: ListObjectsV2CommandOutput;
    try {
      page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
    } catch (error) {
      throw s3Failure("LIST", bucket, prefix, error);
    }
    for (const o of page.Contents ?? []) {
      if (!o.Key || o.Key.endsWith("/")) continue;
      yield {
        bucket,
        key: o.Key,
        etag: bareEtag(o.ETag ?? ""),
        size: o.Size ?? 0,
        lastModified: o.LastModified ?? new Date(0),
      };
    }
    token = page.NextContinuationToken;
  } while (token);
}
