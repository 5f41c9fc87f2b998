// Garbage collection of published databases (docs/live-data.md): a
// live/db/* object that the live manifest does not name and that is older
// than 15 minutes is deleted by the next publish. Never one the manifest
// names; never a young one (a publish in flight uploads its database before
// it writes the manifest, and a publisher always uploads, so what it is about
// to name is always young).
//
// decideLiveGarbage is pure; collectLiveGarbage lists live/db/ FIRST and reads
// the manifest after, so every database named by a manifest written before the
// listing is seen as named.
import type { S3Client } from "@aws-sdk/client-s3";
import { LIVE_DATABASE_PREFIX, namedKeys, type LiveManifest } from "../live/manifest.ts";
import { toAwsError } from "./aws-error.ts";
import { deleteKeys, isOlderThan, listObjects, MIN_AGE_MS, type BucketObject, type DeletedKeys } from "./garbage.ts";
import { readLiveManifest } from "./live-manifest.ts";

export interface LiveGarbageInput {
  /** Every object under live/db/. */
  objects: BucketObject[];
  manifest: LiveManifest;
  now: number;
  minAgeMs: number;
}

/** The keys to delete. Pure. */
export function decideLiveGarbage(input: LiveGarbageInput): string[] {
  const named = namedKeys(input.manifest);
  return input.objects
    .filter(
      (object) => object.key.startsWith(LIVE_DATABASE_PREFIX) && !named.has(object.key) && isOlderThan(object, input.minAgeMs, input.now),
    )
    .map((object) => object.key);
}

export interface LiveGarbageOptions {
  /** Default MIN_AGE_MS (15 minutes). */
  minAgeMs?: number;
  now?: () => number;
}

/** What S3 refused to delete is retried by the next publish. */
export type LiveGarbageResult = DeletedKeys;

export async function collectLiveGarbage(s3: S3Client, bucket: string, options: LiveGarbageOptions = {}): Promise<LiveGarbageResult> {
  let objects: BucketObject[];
  try {
    objects = await listObjects(s3, bucket, LIVE_DATABASE_PREFIX);
  } catch (error) {
    throw toAwsError(error, `Listing s3://${bucket}/${LIVE_DATABASE_PREFIX}`, bucket);
  }
  const { manifest } = await readLiveManifest(s3, bucket);
  const doomed = decideLiveGarbage({ objects, manifest, now: (options.now ?? Date.now)(), minAgeMs: options.minAgeMs ?? MIN_AGE_MS });
  return deleteKeys(s3, bucket, doomed, `Deleting old databases in s3://${bucket}/${LIVE_DATABASE_PREFIX}`);
}
