// The size of each live database's object in the site's bucket, for `ls` to say which entries
// no instance can download (src/live/object-check.ts). One HEAD per database, a few at a time.
import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { ObjectSizes } from "../live/object-check.ts";
import { toAwsError } from "./aws-error.ts";
import { isObjectMissingError } from "./tolerated-errors.ts";

export async function liveObjectSizes(s3: S3Client, bucket: string, keys: string[], concurrency = 8): Promise<ObjectSizes> {
  const sizes: ObjectSizes = {};
  const queue = [...new Set(keys)];
  const worker = async () => {
    for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
      try {
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        sizes[key] = head.ContentLength ?? null;
      } catch (error) {
        if (!isObjectMissingError(error)) throw toAwsError(error, `Checking s3://${bucket}/${key}`, bucket);
        sizes[key] = null;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  return sizes;
}
