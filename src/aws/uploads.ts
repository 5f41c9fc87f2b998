// Content-addressed uploads: a key names its bytes (package/<sha256>.zip, ...),
// so a key already in the bucket is never sent again. Big files go multipart
// through @aws-sdk/lib-storage; a multipart upload only becomes an object when
// it is completed at the very end, so an interrupted or failed upload never
// leaves a key that looks complete (and the bucket's lifecycle rule, plus our
// explicit abort, clear the orphaned parts).
import { createReadStream } from "node:fs";
import { AbortMultipartUploadCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { Artifact } from "../plan/types.ts";
import type { Output } from "../ui/output.ts";
import { toAwsError } from "./aws-error.ts";
import { InterruptedError } from "./interrupted.ts";
import { isObjectMissingError } from "./tolerated-errors.ts";

export const INTERRUPTED_UPLOAD_MESSAGE = "Interrupted during upload; nothing was deployed. Run update-stack again to resume.";

export interface UploadOptions {
  out: Output;
  signal?: AbortSignal;
  /** Multipart part size; lib-storage's minimum is 5 MB. */
  partSize?: number;
  /** Parts in flight per file (memory use is about partSize * queueSize). */
  queueSize?: number;
  /** HeadObject calls in flight. */
  headConcurrency?: number;
}

export interface UploadSummary {
  /** Files and bytes actually sent; zero when everything was there already. */
  files: number;
  bytes: number;
  /** Artifacts already in the bucket. */
  skipped: number;
}

const MB = 1024 * 1024;

/** Same key twice (the same database given twice) is one upload. */
export function uniqueByKey(artifacts: Artifact[]): Artifact[] {
  return [...new Map(artifacts.map((artifact) => [artifact.key, artifact])).values()];
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < MB) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / MB).toFixed(1)} MB`;
}

/** The artifacts whose key is missing, or holds a different size (never trust a stray object). */
export async function findMissingArtifacts(s3: S3Client, bucket: string, artifacts: Artifact[], concurrency = 8): Promise<Artifact[]> {
  const unique = uniqueByKey(artifacts);
  const missing = new Array<boolean>(unique.length).fill(false);
  let next = 0;
  const worker = async () => {
    while (next < unique.length) {
      const index = next++;
      const artifact = unique[index] as Artifact;
      try {
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: artifact.key }));
        missing[index] = head.ContentLength !== undefined && head.ContentLength !== artifact.bytes;
      } catch (error) {
        if (!isObjectMissingError(error)) throw toAwsError(error, `Checking s3://${bucket}/${artifact.key}`, bucket);
        missing[index] = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, unique.length) }, worker));
  return unique.filter((_, index) => missing[index]);
}

export async function uploadArtifacts(s3: S3Client, bucket: string, artifacts: Artifact[], options: UploadOptions): Promise<UploadSummary> {
  const { out, signal } = options;
  if (signal?.aborted) throw new InterruptedError(INTERRUPTED_UPLOAD_MESSAGE);
  const unique = uniqueByKey(artifacts);
  const missing = await findMissingArtifacts(s3, bucket, unique, options.headConcurrency);
  const skipped = unique.length - missing.length;
  if (missing.length === 0) {
    out.info(`All ${unique.length} artifacts are already in the bucket; nothing to upload.`);
    return { files: 0, bytes: 0, skipped };
  }
  const total = missing.reduce((sum, artifact) => sum + artifact.bytes, 0);
  const title = `Uploading ${missing.length} file${missing.length === 1 ? "" : "s"} (${formatBytes(total)})`;
  let bytes = 0;
  await out.task(title, async (update) => {
    for (const [index, artifact] of missing.entries()) {
      const done = bytes;
      await uploadOne(s3, bucket, artifact, options, (loaded) => {
        update(`${index + 1}/${missing.length} ${artifact.key} ${formatBytes(done + loaded)} of ${formatBytes(total)}`);
      });
      bytes += artifact.bytes;
      out.debug(`uploaded s3://${bucket}/${artifact.key} (${formatBytes(artifact.bytes)})`);
    }
  });
  return { files: missing.length, bytes, skipped };
}

async function uploadOne(
  s3: S3Client,
  bucket: string,
  artifact: Artifact,
  options: UploadOptions,
  progress: (loaded: number) => void,
): Promise<void> {
  const { signal } = options;
  if (signal?.aborted) throw new InterruptedError(INTERRUPTED_UPLOAD_MESSAGE);
  const body = createReadStream(artifact.path);
  const upload = new Upload({
    client: s3,
    params: { Bucket: bucket, Key: artifact.key, Body: body, ContentLength: artifact.bytes },
    partSize: options.partSize ?? 16 * MB,
    queueSize: options.queueSize ?? 4,
    // On failure lib-storage aborts the multipart upload itself.
    leavePartsOnError: false,
  });
  upload.on("httpUploadProgress", (event) => progress(event.loaded ?? 0));
  const onAbort = () => void upload.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await upload.done();
  } catch (error) {
    if (signal?.aborted) {
      // done() rejects at once on abort while lib-storage's own clean-up waits for
      // parts in flight; abort the multipart upload ourselves before we exit.
      await abortMultipart(s3, bucket, artifact.key, upload.uploadId);
      throw new InterruptedError(INTERRUPTED_UPLOAD_MESSAGE, { cause: error });
    }
    throw toAwsError(error, `Uploading ${artifact.path} to s3://${bucket}/${artifact.key}`, bucket);
  } finally {
    signal?.removeEventListener("abort", onAbort);
    body.destroy();
  }
}

async function abortMultipart(s3: S3Client, bucket: string, key: string, uploadId: string | undefined): Promise<void> {
  if (!uploadId) return;
  try {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  } catch {
    // Already gone, or unreachable: the bucket's lifecycle rule clears incomplete uploads.
  }
}
