// After a successful deploy, delete artifacts nothing refers to any more:
// everything under package/, layer/ and db/ except the keys of the deployment
// just made and of the one before it (kept so a rollback, or an instance still
// running the old code, finds its files). Only called after success.
import { DeleteObjectsCommand, paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";
import type { Output } from "../ui/output.ts";
import { toAwsError } from "./aws-error.ts";

export const ARTIFACT_PREFIXES = ["package/", "layer/", "db/"] as const;

/** DeleteObjects takes at most 1000 keys per call. */
export const DELETE_BATCH = 1000;

/** The S3 keys an app stack's parameters refer to. */
export function referencedKeys(parameters: Record<string, string> | undefined): string[] {
  if (!parameters) return [];
  const keys = [parameters.PackageKey, parameters.LayerKey, ...(parameters.DatabaseKeys ?? "").split(",")];
  return keys.map((key) => key?.trim() ?? "").filter((key) => key !== "");
}

export function unreferencedKeys(keys: Iterable<string>, keep: Iterable<string>): string[] {
  const kept = new Set(keep);
  return [...keys].filter((key) => !kept.has(key) && ARTIFACT_PREFIXES.some((prefix) => key.startsWith(prefix)));
}

export function inBatches<T>(items: T[], size = DELETE_BATCH): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  return batches;
}

export interface GarbageResult {
  deleted: number;
  /** Keys S3 refused to delete (reported, not fatal: the deploy itself succeeded). */
  failed: number;
}

export async function collectGarbage(s3: S3Client, bucket: string, keep: Iterable<string>, out: Output): Promise<GarbageResult> {
  const keys: string[] = [];
  try {
    for (const prefix of ARTIFACT_PREFIXES) {
      for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
        for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      }
    }
  } catch (error) {
    throw toAwsError(error, `Listing old artifacts in s3://${bucket}`, bucket);
  }
  const garbage = unreferencedKeys(keys, keep);
  let failed = 0;
  for (const batch of inBatches(garbage)) {
    try {
      const response = await s3.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      for (const error of response.Errors ?? []) {
        failed++;
        out.debug(`could not delete s3://${bucket}/${error.Key}: ${error.Code} ${error.Message ?? ""}`);
      }
    } catch (error) {
      throw toAwsError(error, `Deleting old artifacts in s3://${bucket}`, bucket);
    }
  }
  const deleted = garbage.length - failed;
  if (deleted > 0) out.info(`Deleted ${deleted} unused artifact${deleted === 1 ? "" : "s"} from the bucket.`);
  if (failed > 0) out.warn(`${failed} unused artifact${failed === 1 ? "" : "s"} could not be deleted; they are retried on the next deploy.`);
  return { deleted, failed };
}
