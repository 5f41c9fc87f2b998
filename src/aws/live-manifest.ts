// Reading and replacing live/manifest.json in the site's bucket, as the
// contract says (docs/live-data.md): GET it and remember its ETag (absent: an
// empty manifest), apply one change to what was read, PUT the whole object
// back with If-Match: <etag> (If-None-Match: * when it was absent). A PUT
// replaces the object atomically, so the manifest is never half-written; when
// another publish wrote in between, S3 refuses ours (412, or 409 while one is
// in flight, or 404 when it was deleted meanwhile) and we read again and
// re-apply the change to the new manifest, up to 10 times with jittered
// backoff. So two publishes at once never lose one of them.
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { AwsError, DatasetteLambdaError } from "../errors.ts";
import {
  emptyLiveManifest,
  LIVE_MANIFEST_KEY,
  LiveManifestError,
  parseLiveManifest,
  serializeLiveManifest,
  type LiveManifest,
} from "../live/manifest.ts";
import { toAwsError } from "./aws-error.ts";
import { realSleep, type Sleep } from "../util/sleep.ts";
import { isConditionalWriteLost, isObjectMissingError } from "./tolerated-errors.ts";

type S3 = Pick<S3Client, "send">;

export const MANIFEST_ATTEMPTS = 10;
/** Backoff before retry n (from 1): up to BASE * 2^(n-1), capped, times a random factor. */
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 3000;

export interface ManifestRead {
  manifest: LiveManifest;
  /** Undefined when there is no manifest yet. */
  etag: string | undefined;
}

function unreadable(bucket: string, error: LiveManifestError): AwsError {
  return new AwsError(`s3://${bucket}/${LIVE_MANIFEST_KEY} is not a live manifest this version can read: ${error.message}`, {
    resource: bucket,
    hint:
      "Was it written by a newer datasette-lambda? Update this one. If it is damaged, delete it " +
      `(aws s3 rm s3://${bucket}/${LIVE_MANIFEST_KEY}): every pushed database stops being served until pushed again.`,
    cause: error,
  });
}

export async function readLiveManifest(s3: S3, bucket: string): Promise<ManifestRead> {
  let text: string;
  let etag: string | undefined;
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: LIVE_MANIFEST_KEY }));
    text = (await response.Body?.transformToString()) ?? "";
    etag = response.ETag;
  } catch (error) {
    if (isObjectMissingError(error)) return { manifest: emptyLiveManifest(), etag: undefined };
    throw toAwsError(error, `Reading s3://${bucket}/${LIVE_MANIFEST_KEY}`, bucket);
  }
  if (!etag)
    throw new AwsError(`S3 returned s3://${bucket}/${LIVE_MANIFEST_KEY} without an ETag, so it cannot be replaced safely.`, {
      resource: bucket,
    });
  try {
    return { manifest: parseLiveManifest(text), etag };
  } catch (error) {
    if (error instanceof LiveManifestError) throw unreadable(bucket, error);
    throw error;
  }
}

/**
 * A change to the manifest as read: the new manifest, or undefined when there
 * is nothing to write. It is applied again to every re-read, so it must decide
 * from its argument only. It may throw (e.g. "not live") to stop the update.
 */
export type ManifestChange = (current: LiveManifest) => LiveManifest | undefined;

export interface UpdateOptions {
  attempts?: number;
  sleep?: Sleep;
  /** In [0, 1): the backoff's jitter. */
  random?: () => number;
  /** Called before each retry, with the attempt that lost. */
  onRetry?: (attempt: number) => void;
}

export interface UpdateResult {
  /** The manifest as it now is in the bucket (after our write, if any). */
  manifest: LiveManifest;
  written: boolean;
  /** Attempts made, from 1. */
  attempts: number;
}

export function backoffMs(attempt: number, random: () => number): number {
  return Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1)) * (0.5 + random() / 2);
}

export async function updateLiveManifest(
  s3: S3,
  bucket: string,
  change: ManifestChange,
  options: UpdateOptions = {},
): Promise<UpdateResult> {
  const attempts = options.attempts ?? MANIFEST_ATTEMPTS;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    const { manifest, etag } = await readLiveManifest(s3, bucket);
    const next = change(manifest);
    if (next === undefined) return { manifest, written: false, attempts: attempt };
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: LIVE_MANIFEST_KEY,
          Body: serializeLiveManifest(next),
          ContentType: "application/json",
          ...(etag ? { IfMatch: etag } : { IfNoneMatch: "*" }),
        }),
      );
      return { manifest: next, written: true, attempts: attempt };
    } catch (error) {
      if (error instanceof DatasetteLambdaError) throw error;
      // Lost a race (or the manifest we read was deleted meanwhile): read again.
      const lost = isConditionalWriteLost(error) || (etag !== undefined && isObjectMissingError(error));
      if (!lost) throw toAwsError(error, `Writing s3://${bucket}/${LIVE_MANIFEST_KEY}`, bucket);
      if (attempt >= attempts) {
        throw new AwsError(`s3://${bucket}/${LIVE_MANIFEST_KEY} changed under every one of ${attempts} attempts to update it.`, {
          resource: bucket,
          hint: "Other publishes to this site are running right now; run the command again in a moment.",
          cause: error,
        });
      }
      options.onRetry?.(attempt);
      await sleep(backoffMs(attempt, random));
    }
  }
}
