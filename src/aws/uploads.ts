// Content-addressed uploads: a key names its bytes (package/<sha256>.zip, ...),
// so a key already in the bucket is never sent again. Big files go multipart
// through @aws-sdk/lib-storage; a multipart upload only becomes an object when
// it is completed at the very end, so an interrupted or failed upload never
// leaves a key that looks complete (and the bucket's lifecycle rule, plus our
// explicit abort, clear the orphaned parts).
import { createReadStream } from "node:fs";
import { AbortMultipartUploadCommand, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { headObjects } from "./head-objects.ts";
import type { Artifact } from "../plan/types.ts";
import { toAwsError } from "./aws-error.ts";
import { InterruptedError } from "../errors.ts";

export const INTERRUPTED_UPLOAD_MESSAGE = "Interrupted during upload; nothing was deployed. Run update-stack again to resume.";

export interface UploadProgress {
  /** The file being sent: its position (from 1) among `count`, and its key. */
  index: number;
  count: number;
  key: string;
  /** Bytes sent so far, all files together, of `total`. */
  sent: number;
  total: number;
}

export interface UploadOptions {
  signal?: AbortSignal;
  /** Multipart part size; lib-storage's minimum is 5 MB. */
  partSize?: number;
  /** Parts in flight per file (memory use is about partSize * queueSize). */
  queueSize?: number;
  /** As bytes go out (lib-storage reports once per part, or once for a small file). */
  onProgress?: (progress: UploadProgress) => void;
  /** A file is complete in the bucket. */
  onUploaded?: (artifact: Artifact) => void;
}

export interface UploadSummary {
  /** Files and bytes actually sent. */
  files: number;
  bytes: number;
}

const MB = 1024 * 1024;

/** Same key twice (the same database given twice) is one upload. */
export function uniqueByKey(artifacts: Artifact[]): Artifact[] {
  return [...new Map(artifacts.map((artifact) => [artifact.key, artifact])).values()];
}

/** The artifacts whose key is missing, or holds a different size (never trust a stray object). */
export async function findMissingArtifacts(
  s3: S3Client,
  bucket: string,
  artifacts: Artifact[],
  options: { concurrency?: number; signal?: AbortSignal } = {},
): Promise<Artifact[]> {
  if (options.signal?.aborted) throw new InterruptedError(INTERRUPTED_UPLOAD_MESSAGE);
  const unique = uniqueByKey(artifacts);
  const heads = await headObjects(
    s3,
    bucket,
    unique.map((artifact) => artifact.key),
    options.concurrency,
  );
  return unique.filter((artifact) => {
    const head = heads.get(artifact.key);
    return head === null || (head?.ContentLength !== undefined && head.ContentLength !== artifact.bytes);
  });
}

/** Sends every artifact given (see findMissingArtifacts for which), one file at a time. */
export async function uploadArtifacts(
  s3: S3Client,
  bucket: string,
  artifacts: Artifact[],
  options: UploadOptions = {},
): Promise<UploadSummary> {
  if (options.signal?.aborted) throw new InterruptedError(INTERRUPTED_UPLOAD_MESSAGE);
  const files = uniqueByKey(artifacts);
  const total = files.reduce((sum, artifact) => sum + artifact.bytes, 0);
  let bytes = 0;
  for (const [index, artifact] of files.entries()) {
    const done = bytes;
    await uploadOne(s3, bucket, artifact, options, (loaded) => {
      options.onProgress?.({ index: index + 1, count: files.length, key: artifact.key, sent: done + loaded, total });
    });
    bytes += artifact.bytes;
    options.onUploaded?.(artifact);
  }
  return { files: files.length, bytes };
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
