// HEAD of many keys in one bucket, a few at a time: what the deploy asks before uploading
// (uploads.ts: which artifacts are missing) and what `ls` asks of the live databases
// (live-objects.ts). A key with no object is null; any other error names the object.
import { HeadObjectCommand, type HeadObjectCommandOutput, type S3Client } from "@aws-sdk/client-s3";
import { toAwsError } from "./aws-error.ts";
import { isObjectMissingError } from "./tolerated-errors.ts";

export async function headObjects(
  s3: S3Client,
  bucket: string,
  keys: string[],
  concurrency = 8,
): Promise<Map<string, HeadObjectCommandOutput | null>> {
  const heads = new Map<string, HeadObjectCommandOutput | null>();
  const queue = [...new Set(keys)];
  const worker = async () => {
    for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
      try {
        heads.set(key, await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
      } catch (error) {
        if (!isObjectMissingError(error)) throw toAwsError(error, `Checking s3://${bucket}/${key}`, bucket);
        heads.set(key, null);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  return heads;
}
