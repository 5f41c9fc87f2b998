// A deploy's lease: a small object deploys/<id>.json in the site's bucket naming
// the artifact keys the run is about to make the app stack reference. It is
// written before the run checks which artifacts the bucket already holds (a key
// found there is not uploaded again, so its LastModified stays old), rewritten
// every LEASE_REFRESH_MS while the run lasts, and deleted when the run ends,
// successful or not. Clean-up (garbage.ts) never deletes a key that a live
// lease names; a lease not rewritten for LEASE_TTL_MS belongs to a run that was
// killed, and is itself deleted.
import { randomBytes } from "node:crypto";
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { toAwsError } from "./aws-error.ts";

type S3 = Pick<S3Client, "send">;

export const LEASE_PREFIX = "deploys/";
/** A lease not rewritten for this long is stale: its run is gone. */
export const LEASE_TTL_MS = 60 * 60_000;
/** How often a running deploy rewrites its lease (well inside the TTL). */
export const LEASE_REFRESH_MS = 10 * 60_000;

export interface Lease extends AsyncDisposable {
  key: string;
  /** Stops refreshing and deletes the lease. Throws an AwsError if the delete fails (the lease then expires). */
  release(): Promise<void>;
  // [Symbol.asyncDispose] releases too, reporting a failure to onError instead
  // of throwing: `await using lease = await takeLease(...)` ends it however the run ends.
}

export interface LeaseOptions {
  /** Default LEASE_REFRESH_MS. */
  refreshMs?: number;
  /** A rewrite or, on dispose, the delete failed: not fatal (the lease expires), so reported here. */
  onError?: (error: unknown) => void;
  /** Default: 16 random bytes as hex. */
  id?: string;
  now?: () => Date;
}

export function leaseKey(id: string): string {
  return `${LEASE_PREFIX}${id}.json`;
}

export function leaseBody(keys: Iterable<string>, started: Date): string {
  return `${JSON.stringify({ keys: [...new Set(keys)].sort(), started: started.toISOString() })}\n`;
}

/** The keys a lease names, or undefined when it is not a lease this tool wrote. */
export function parseLease(body: string): string[] | undefined {
  try {
    const keys: unknown = (JSON.parse(body) as { keys?: unknown } | null)?.keys;
    return Array.isArray(keys) && keys.every((key) => typeof key === "string") ? keys : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the lease (before anything it protects is looked at) and keeps it fresh until released. */
export async function takeLease(s3: S3, bucket: string, keys: Iterable<string>, options: LeaseOptions = {}): Promise<Lease> {
  const key = leaseKey(options.id ?? randomBytes(16).toString("hex"));
  const body = leaseBody(keys, (options.now ?? (() => new Date()))());
  const write = () => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "application/json" }));
  try {
    await write();
  } catch (error) {
    throw toAwsError(error, `Writing s3://${bucket}/${key}`, bucket);
  }

  let refreshing: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    refreshing = write().catch((error: unknown) => options.onError?.(toAwsError(error, `Rewriting s3://${bucket}/${key}`, bucket)));
  }, options.refreshMs ?? LEASE_REFRESH_MS);
  timer.unref(); // never keeps the process alive

  let released: Promise<void> | undefined;
  const release = () => {
    released ??= (async () => {
      clearInterval(timer);
      await refreshing; // a rewrite in flight must not land after the delete
      try {
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      } catch (error) {
        throw toAwsError(error, `Deleting s3://${bucket}/${key}`, bucket);
      }
    })();
    return released;
  };
  return {
    key,
    release,
    [Symbol.asyncDispose]: () => release().catch((error: unknown) => options.onError?.(error)),
  };
}
