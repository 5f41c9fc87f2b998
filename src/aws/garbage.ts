// After a successful deploy, delete the artifacts no deployment needs any more,
// safely while other update-stack runs of the same site deploy at the same time.
//
// The rule (decideGarbage, pure): clean-up is skipped altogether while the app
// stack is in any *_IN_PROGRESS state (another deploy or a rollback is running),
// when the app stack is gone, when it names no artifact, or when a live lease
// cannot be read. Otherwise an object under package/, layer/ or db/ is deleted
// only if none of these keeps it:
//   1. the app stack's parameters as read just now (PackageKey, LayerKey,
//      DatabaseKeys): what the site runs on;
//   2. this run's keys and those of the deployment it replaced (a rollback, or
//      an instance still running the old code, finds its files);
//   3. a live lease (deploys/<id>.json, see leases.ts) naming it: a run in
//      flight is about to deploy it, possibly without having uploaded it;
//   4. its age: younger than minAgeMs (default 15 min) by S3's LastModified,
//      or of unknown age (an upload by a run whose lease we could not see).
// A lease older than leaseTtlMs (default 1 h) is stale (its run was killed)
// and is deleted too.
//
// collectGarbage is the edge: it lists the artifacts, re-reads the app stack,
// lists and reads the leases, in that order, as late as possible before the delete.
import { DeleteObjectsCommand, GetObjectCommand, paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";
import { toAwsError } from "./aws-error.ts";
import type { CloudFormation } from "./clients.ts";
import { LEASE_PREFIX, LEASE_TTL_MS, parseLease } from "./leases.ts";
import { describeStack, stackParameters } from "./stacks.ts";
import { isObjectMissingError } from "./tolerated-errors.ts";

export const ARTIFACT_PREFIXES = ["package/", "layer/", "db/"] as const;

/** Artifacts younger than this are never deleted (another run may be about to deploy them). */
export const MIN_AGE_MS = 15 * 60_000;

/** DeleteObjects takes at most 1000 keys per call. */
export const DELETE_BATCH = 1000;

/** The S3 keys an app stack's parameters refer to. */
export function referencedKeys(parameters: Record<string, string> | undefined): string[] {
  if (!parameters) return [];
  const keys = [parameters.PackageKey, parameters.LayerKey, ...(parameters.DatabaseKeys ?? "").split(",")];
  return keys.map((key) => key?.trim() ?? "").filter((key) => key !== "");
}

export function isArtifactKey(key: string): boolean {
  return ARTIFACT_PREFIXES.some((prefix) => key.startsWith(prefix));
}

export function inBatches<T>(items: T[], size = DELETE_BATCH): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  return batches;
}

export interface BucketObject {
  key: string;
  /** S3's LastModified; undefined when the listing did not say. */
  lastModified: Date | undefined;
}

export interface LeaseObject extends BucketObject {
  /** The keys it names; undefined when it could not be read (or was not, being stale). */
  keys: string[] | undefined;
}

export interface GarbageInput {
  /** Every object under the artifact prefixes. */
  artifacts: BucketObject[];
  /** Every lease object under deploys/. */
  leases: LeaseObject[];
  /** The app stack as read just before deciding; undefined when it does not exist. */
  appStack: { name: string; status: string; parameters: Record<string, string> } | undefined;
  /** This run's keys and those of the deployment it replaced. */
  keep: string[];
  /** Epoch ms. */
  now: number;
  minAgeMs: number;
  leaseTtlMs: number;
}

export type GarbageDecision =
  | { kind: "skip"; reason: string }
  /** `artifacts` and `staleLeases` may be empty: nothing to delete. */
  | { kind: "delete"; artifacts: string[]; staleLeases: string[] };

/** Unknown age counts as new: only what is known to be old may go. */
export function isOlderThan(object: BucketObject, ms: number, now: number): boolean {
  return object.lastModified !== undefined && now - object.lastModified.getTime() >= ms;
}

/** Which objects to delete, given what the bucket, the stack and the leases say now. Pure. */
export function decideGarbage(input: GarbageInput): GarbageDecision {
  const { appStack, now } = input;
  if (!appStack) return { kind: "skip", reason: "the app stack is gone (is delete-stack running?)" };
  if (appStack.status.endsWith("_IN_PROGRESS")) {
    return { kind: "skip", reason: `stack ${appStack.name} is ${appStack.status}: another deploy is running` };
  }
  const live = referencedKeys(appStack.parameters);
  if (live.length === 0) return { kind: "skip", reason: `stack ${appStack.name} names no artifacts` };

  const staleLeases: string[] = [];
  const leased: string[] = [];
  for (const lease of input.leases) {
    if (isOlderThan(lease, input.leaseTtlMs, now)) {
      staleLeases.push(lease.key);
    } else if (lease.keys === undefined) {
      return { kind: "skip", reason: `deploy lease ${lease.key} could not be read` };
    } else {
      leased.push(...lease.keys);
    }
  }

  const kept = new Set([...live, ...input.keep, ...leased]);
  const artifacts = input.artifacts
    .filter((object) => isArtifactKey(object.key) && !kept.has(object.key) && isOlderThan(object, input.minAgeMs, now))
    .map((object) => object.key);
  return { kind: "delete", artifacts, staleLeases };
}

export interface GarbageOptions {
  bucket: string;
  /** The app stack, NAME-lambda. */
  appStack: string;
  /** This run's keys and those of the deployment it replaced. */
  keep: string[];
  /** Default MIN_AGE_MS. */
  minAgeMs?: number;
  /** Default LEASE_TTL_MS. */
  leaseTtlMs?: number;
  now?: () => number;
}

export type GarbageResult =
  | { kind: "skipped"; reason: string }
  | {
      kind: "collected";
      /** Artifacts deleted. */
      deleted: string[];
      /** Stale leases deleted. */
      staleLeases: string[];
      /** Keys S3 refused to delete (not fatal: the deploy itself succeeded). */
      failed: { key: string; reason: string }[];
    };

/** Every object under `prefix`, with its age. */
export async function listObjects(s3: S3Client, bucket: string, prefix: string): Promise<BucketObject[]> {
  const objects: BucketObject[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const object of page.Contents ?? []) if (object.Key) objects.push({ key: object.Key, lastModified: object.LastModified });
  }
  return objects;
}

/** The lease's keys; undefined if unreadable; null when it vanished (its run just ended). */
async function readLease(s3: S3Client, bucket: string, key: string): Promise<string[] | undefined | null> {
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return parseLease((await response.Body?.transformToString()) ?? "");
  } catch (error) {
    if (isObjectMissingError(error)) return null;
    return undefined;
  }
}

export async function collectGarbage(s3: S3Client, cloudformation: CloudFormation, options: GarbageOptions): Promise<GarbageResult> {
  const { bucket } = options;
  // One clock reading for every age below: a lease is stale or not throughout.
  const now = (options.now ?? Date.now)();
  const leaseTtlMs = options.leaseTtlMs ?? LEASE_TTL_MS;

  // Listed first: an artifact uploaded after this is simply not considered.
  const artifacts: BucketObject[] = [];
  try {
    for (const prefix of ARTIFACT_PREFIXES) artifacts.push(...(await listObjects(s3, bucket, prefix)));
  } catch (error) {
    throw toAwsError(error, `Listing old artifacts in s3://${bucket}`, bucket);
  }
  const stack = await describeStack(cloudformation, options.appStack);
  const appStack = stack && { name: options.appStack, status: stack.StackStatus ?? "", parameters: stackParameters(stack) };
  let leases: LeaseObject[] = [];
  try {
    const listed = await listObjects(s3, bucket, LEASE_PREFIX);
    const read = await Promise.all(
      listed.map(async (lease) => ({
        ...lease,
        // A stale lease is deleted unread.
        keys: isOlderThan(lease, leaseTtlMs, now) ? undefined : await readLease(s3, bucket, lease.key),
      })),
    );
    leases = read.filter((lease): lease is LeaseObject => lease.keys !== null);
  } catch (error) {
    throw toAwsError(error, `Listing deploy leases in s3://${bucket}`, bucket);
  }

  const decision = decideGarbage({
    artifacts,
    leases,
    appStack,
    keep: options.keep,
    now,
    minAgeMs: options.minAgeMs ?? MIN_AGE_MS,
    leaseTtlMs,
  });
  if (decision.kind === "skip") return { kind: "skipped", reason: decision.reason };

  const { deleted, failed } = await deleteKeys(
    s3,
    bucket,
    [...decision.artifacts, ...decision.staleLeases],
    `Deleting old artifacts in s3://${bucket}`,
  );
  const done = new Set(deleted);
  return {
    kind: "collected",
    deleted: decision.artifacts.filter((key) => done.has(key)),
    staleLeases: decision.staleLeases.filter((key) => done.has(key)),
    failed,
  };
}

export interface DeletedKeys {
  deleted: string[];
  /** Keys S3 refused to delete, with its reason. */
  failed: { key: string; reason: string }[];
}

/** Deletes keys in batches; what S3 refuses is reported, a failed request throws (naming `what`). */
export async function deleteKeys(s3: S3Client, bucket: string, keys: string[], what: string): Promise<DeletedKeys> {
  const failed: DeletedKeys["failed"] = [];
  for (const batch of inBatches(keys)) {
    try {
      const response = await s3.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      for (const error of response.Errors ?? []) {
        failed.push({ key: error.Key ?? "", reason: `${error.Code ?? "Error"} ${error.Message ?? ""}`.trim() });
      }
    } catch (error) {
      throw toAwsError(error, what, bucket);
    }
  }
  const refused = new Set(failed.map((failure) => failure.key));
  return { deleted: keys.filter((key) => !refused.has(key)), failed };
}
