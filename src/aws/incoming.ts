// Listing the bucket's incoming/ for `ls`: the files the converter function
// has not handled (yet). Which of them count as waiting is src/live/waiting.ts.
import type { S3Client } from "@aws-sdk/client-s3";
import { INCOMING_PREFIX } from "../live/manifest.ts";
import { toAwsError } from "./aws-error.ts";
import { type BucketObject, listObjects } from "./garbage.ts";

export async function listIncoming(s3: S3Client, bucket: string): Promise<BucketObject[]> {
  try {
    return await listObjects(s3, bucket, INCOMING_PREFIX);
  } catch (error) {
    throw toAwsError(error, `Listing s3://${bucket}/${INCOMING_PREFIX}`, bucket);
  }
}
