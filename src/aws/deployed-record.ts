// Reading and writing live/deployed.json: update-stack writes it once the app
// stack is up, `ls` (and push/rm, for their messages) read it. It is a record
// for people, not a protocol: a plain PUT, skipped when the databases are
// unchanged, so a no-op deploy writes nothing.
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { deployedRecord, parseDeployedRecord, sameDatabases, serializeDeployedRecord, type DeployedRecord } from "../live/deployed.ts";
import { DEPLOYED_RECORD_KEY, isoSeconds } from "../live/manifest.ts";
import type { DeployPlan } from "../plan/types.ts";
import { toAwsError } from "./aws-error.ts";
import { isObjectMissingError } from "./tolerated-errors.ts";

type S3 = Pick<S3Client, "send">;

/** The record, or undefined when there is none (a site deployed before live data) or it cannot be read. */
export async function readDeployedRecord(s3: S3, bucket: string): Promise<DeployedRecord | undefined> {
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: DEPLOYED_RECORD_KEY }));
    return parseDeployedRecord((await response.Body?.transformToString()) ?? "");
  } catch (error) {
    if (isObjectMissingError(error)) return undefined;
    throw toAwsError(error, `Reading s3://${bucket}/${DEPLOYED_RECORD_KEY}`, bucket);
  }
}

export async function writeDeployedRecord(
  s3: S3,
  bucket: string,
  plan: DeployPlan,
  now: Date = new Date(),
): Promise<"written" | "unchanged"> {
  const record = deployedRecord(plan, isoSeconds(now));
  if (sameDatabases(record, await readDeployedRecord(s3, bucket))) return "unchanged";
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: DEPLOYED_RECORD_KEY,
        Body: serializeDeployedRecord(record),
        ContentType: "application/json",
      }),
    );
  } catch (error) {
    throw toAwsError(error, `Writing s3://${bucket}/${DEPLOYED_RECORD_KEY}`, bucket);
  }
  return "written";
}
