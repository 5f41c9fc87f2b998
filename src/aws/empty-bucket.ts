// Emptying the site's bucket before its stack is deleted (CloudFormation
// cannot delete a bucket that still holds anything, versions included).
// Lists the first page again after every batch until nothing is left, so
// objects written meanwhile are caught too, and each DeleteObjects batch is
// one listed page: at most 1,000 keys, the API's limit.
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  type ObjectIdentifier,
  type S3Client,
} from "@aws-sdk/client-s3";
import { AwsError, InterruptedError } from "../errors.ts";
import { toAwsError } from "./aws-error.ts";
import { isBucketMissingError } from "./tolerated-errors.ts";

type S3 = Pick<S3Client, "send">;

/** DeleteObjects takes at most 1,000 keys; ListObject* returns at most 1,000 per page. */
export const BATCH_SIZE = 1000;

export async function bucketExists(s3: S3, bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    if (isBucketMissingError(error)) return false;
    throw toAwsError(error, `Reading bucket ${bucket}`, bucket);
  }
}

/** Versions and delete markers too, unless versioning was never turned on. */
async function isVersioned(s3: S3, bucket: string): Promise<boolean> {
  const { Status } = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
  // "Suspended" buckets still hold the versions made while it was enabled.
  return Status === "Enabled" || Status === "Suspended";
}

async function firstPage(
  s3: S3,
  bucket: string,
  versioned: boolean,
  maxKeys = BATCH_SIZE,
): Promise<{ objects: ObjectIdentifier[]; more: boolean }> {
  if (versioned) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: maxKeys }));
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]
      .filter((entry) => entry.Key !== undefined)
      .map((entry) => ({ Key: entry.Key as string, ...(entry.VersionId ? { VersionId: entry.VersionId } : {}) }));
    return { objects, more: Boolean(page.IsTruncated) };
  }
  const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: maxKeys }));
  const objects = (page.Contents ?? []).filter((entry) => entry.Key !== undefined).map((entry) => ({ Key: entry.Key as string }));
  return { objects, more: Boolean(page.IsTruncated) };
}

export interface ObjectCount {
  /** Objects (all versions and delete markers counted) in the first page. */
  count: number;
  /** More than `count`: listing them all was not worth it. */
  more: boolean;
}

/** A cheap count for the confirmation prompt: one list call. Undefined when the bucket is gone. */
export async function countObjects(s3: S3, bucket: string): Promise<ObjectCount | undefined> {
  try {
    const { objects, more } = await firstPage(s3, bucket, await isVersioned(s3, bucket));
    return { count: objects.length, more };
  } catch (error) {
    if (isBucketMissingError(error)) return undefined;
    throw toAwsError(error, `Listing bucket ${bucket}`, bucket);
  }
}

export interface EmptyBucketOptions {
  /** Called after each batch with the running total. */
  onProgress?: (deleted: number) => void;
  signal?: AbortSignal;
  /** Named in the interrupt message. */
  command?: string;
}

export interface EmptyBucketResult {
  /** False when there was no such bucket (nothing done). */
  existed: boolean;
  /** Objects, versions and delete markers deleted. */
  deleted: number;
}

function describe(object: ObjectIdentifier): string {
  return object.VersionId ? `${object.Key} (version ${object.VersionId})` : `${object.Key}`;
}

/** Deletes every object, version and delete marker, in batches, until a listing comes back empty. */
export async function emptyBucket(s3: S3, bucket: string, options: EmptyBucketOptions = {}): Promise<EmptyBucketResult> {
  let deleted = 0;
  let previousFirst: string | undefined;
  try {
    const versioned = await isVersioned(s3, bucket);
    for (;;) {
      if (options.signal?.aborted) {
        throw new InterruptedError(
          `Stopped while emptying bucket ${bucket} (${deleted} deleted so far); run ${options.command ?? "the command"} again to finish.`,
        );
      }
      const { objects } = await firstPage(s3, bucket, versioned);
      if (objects.length === 0) return { existed: true, deleted };
      // A batch that reported no errors yet is listed again: something keeps it (object lock?).
      const first = describe(objects[0]!);
      if (first === previousFirst) {
        throw new AwsError(`Bucket ${bucket} still holds ${first} after deleting it.`, {
          resource: bucket,
          hint: "Check the bucket for Object Lock or a policy denying s3:DeleteObject*, empty it by hand, then run delete-stack again.",
        });
      }
      previousFirst = first;
      const response = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
      const errors = response.Errors ?? [];
      if (errors.length > 0) {
        const example = errors[0]!;
        throw new AwsError(
          (
            `Could not delete ${errors.length} object(s) from bucket ${bucket}, ` +
            `e.g. ${example.Key}: ${example.Code} ${example.Message ?? ""}`
          ).trim(),
          {
            resource: bucket,
            hint: "Allow s3:DeleteObject and s3:DeleteObjectVersion on the bucket (or empty it by hand), then run delete-stack again.",
          },
        );
      }
      deleted += objects.length;
      options.onProgress?.(deleted);
    }
  } catch (error) {
    if (isBucketMissingError(error)) return { existed: deleted > 0, deleted };
    throw toAwsError(error, `Emptying bucket ${bucket}`, bucket);
  }
}

/** Deletes an (empty) bucket; false when it was already gone. */
export async function deleteBucket(s3: S3, bucket: string): Promise<boolean> {
  try {
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    if (isBucketMissingError(error)) return false;
    throw toAwsError(error, `Deleting bucket ${bucket}`, bucket);
  }
}
