// The size of each live database's object in the site's bucket, for `ls` to say which entries
// no instance can download (src/live/object-check.ts).
import type { S3Client } from "@aws-sdk/client-s3";
import type { ObjectSizes } from "../live/object-check.ts";
import { headObjects } from "./head-objects.ts";

export async function liveObjectSizes(s3: S3Client, bucket: string, keys: string[]): Promise<ObjectSizes> {
  const sizes: ObjectSizes = {};
  for (const [key, head] of await headObjects(s3, bucket, keys)) {
    // An object S3 gives no length for is not judged.
    if (head === null || head.ContentLength !== undefined) sizes[key] = head?.ContentLength ?? null;
  }
  return sizes;
}
