// Publishing live databases and removing them (docs/live-data.md), for push
// and rm. Publishing one database: upload it to live/db/<sha256>/<name>.db,
// then at once a conditional update of live/manifest.json naming it; garbage
// collection once at the end.
//
// A database the manifest already serves with the same sha256 is left alone
// (nothing uploaded or written). Any other is uploaded even when its key
// exists: the upload makes the object young, and garbage collection spares
// young objects, so it cannot delete what we are about to name (an old copy,
// left by an earlier push, could go at any moment). For the same reason each
// database is named right after its own upload rather than all of them after
// the last one: pushing several big files can take longer than the 15 minutes
// that keep a fresh upload safe. So `push a.db b.db` publishes a, then b; if b
// fails, a stays published (the error says so).
import type { S3Client } from "@aws-sdk/client-s3";
import { UserError } from "../errors.ts";
import {
  entryProblem,
  isoSeconds,
  liveDatabaseKey,
  liveEntries,
  withPublished,
  withRemoved,
  type LiveDatabase,
  type LiveManifest,
} from "../live/manifest.ts";
import { nameError, nameProblem, type NameSource } from "../database-names.ts";
import { collectLiveGarbage, type LiveGarbageResult } from "./live-garbage.ts";
import { readLiveManifest, updateLiveManifest, type UpdateOptions } from "./live-manifest.ts";
import { uploadArtifacts, type UploadOptions } from "./uploads.ts";

export interface PublishItem {
  name: string;
  /** The SQLite file. */
  path: string;
  bytes: number;
  sha256: string;
  tables: Record<string, { count: number }>;
  dataAsOf: string | undefined;
  /** Source file names: recorded (", "-joined), and their `failed` entries cleared. */
  sources: string[];
  /** Where the name came from, for an error about it. */
  nameFrom: NameSource;
}

export interface PublishOptions extends Pick<UploadOptions, "onProgress" | "onUploaded" | "signal" | "partSize">, UpdateOptions {
  /** The names of the databases deployed with the site (live/deployed.json), which no live name may shadow in other letters. */
  deployed?: string[];
  now?: () => number;
  garbage?: { minAgeMs?: number };
  /** A database is now named by the manifest. */
  onPublished?: (name: string) => void;
}

export interface Published {
  name: string;
  entry: LiveDatabase;
  /** False when the manifest already served these bytes under this name. */
  changed: boolean;
}

export interface PublishResult {
  published: Published[];
  uploaded: { files: number; bytes: number };
  /** What the clean-up deleted; absent when it failed (then `garbageError` says why). */
  garbage?: LiveGarbageResult;
  garbageError?: unknown;
}

function entryOf(item: PublishItem, publishedAt: string): LiveDatabase {
  return {
    key: liveDatabaseKey(item.sha256, item.name),
    sha256: item.sha256,
    bytes: item.bytes,
    tables: item.tables,
    ...(item.dataAsOf ? { dataAsOf: item.dataAsOf } : {}),
    source: item.sources.join(", "),
    publishedAt,
  };
}

function alreadyServed(manifest: LiveManifest, item: PublishItem): boolean {
  const current = manifest.databases[item.name];
  if (!Object.hasOwn(manifest.databases, item.name) || entryProblem(current) !== undefined) return false;
  const served = current as LiveDatabase;
  return served.sha256 === item.sha256 && served.key === liveDatabaseKey(item.sha256, item.name);
}

/** Throws the name rule's error when an item's name differs only in case from a database the site serves. */
function checkNames(manifest: LiveManifest, items: PublishItem[], deployed: string[]): void {
  const taken = [...deployed, ...Object.keys(liveEntries(manifest, deployed).databases)];
  for (const item of items) {
    const problem = nameProblem(item.name, taken);
    if (problem !== undefined) throw new UserError(nameError(item.nameFrom, problem));
  }
}

export async function publishDatabases(
  s3: S3Client,
  bucket: string,
  items: PublishItem[],
  options: PublishOptions = {},
): Promise<PublishResult> {
  const now = options.now ?? Date.now;
  const deployed = options.deployed ?? [];
  const { manifest: before } = await readLiveManifest(s3, bucket);
  // Before anything is uploaded; again on every write, in case another publish took a name meanwhile.
  checkNames(before, items, deployed);
  let manifest = before;
  let files = 0;
  let bytes = 0;
  const published: Published[] = [];
  for (const item of items) {
    if (alreadyServed(manifest, item)) {
      published.push({ name: item.name, entry: manifest.databases[item.name] as LiveDatabase, changed: false });
      continue;
    }
    const key = liveDatabaseKey(item.sha256, item.name);
    const summary = await uploadArtifacts(s3, bucket, [{ key, path: item.path, bytes: item.bytes, sha256: item.sha256 }], {
      signal: options.signal,
      partSize: options.partSize,
      onProgress: options.onProgress,
      onUploaded: options.onUploaded,
    });
    files += summary.files;
    bytes += summary.bytes;
    const entry = entryOf(item, isoSeconds(now()));
    const result = await updateLiveManifest(
      s3,
      bucket,
      // Applied to every re-read: nothing to write if another publish already serves these bytes.
      (current) => {
        if (alreadyServed(current, item)) return undefined;
        checkNames(current, [item], deployed);
        return withPublished(current, [{ name: item.name, entry, sources: item.sources }]);
      },
      options,
    );
    manifest = result.manifest;
    published.push({ name: item.name, entry: (manifest.databases[item.name] as LiveDatabase | undefined) ?? entry, changed: true });
    options.onPublished?.(item.name);
  }
  return { published, uploaded: { files, bytes }, ...(await cleanUp(s3, bucket, options)) };
}

/** Thrown by removeDatabase when the manifest does not serve `name`. */
export class NotLiveError extends UserError {
  /** The manifest that does not serve it, as just read. */
  readonly manifest: LiveManifest;

  constructor(message: string, manifest: LiveManifest) {
    super(message);
    this.manifest = manifest;
  }
}

export interface RemoveResult {
  /** The entry as the manifest had it: a served database, or one no reader could serve. */
  removed: unknown;
  garbage?: LiveGarbageResult;
  garbageError?: unknown;
}

export async function removeDatabase(
  s3: S3Client,
  bucket: string,
  name: string,
  options: Omit<PublishOptions, "onProgress" | "onUploaded" | "partSize"> = {},
): Promise<RemoveResult> {
  let removed: unknown;
  await updateLiveManifest(
    s3,
    bucket,
    (current) => {
      const next = withRemoved(current, name);
      if (next === undefined) throw new NotLiveError(`${name} is not live`, current);
      removed = current.databases[name];
      return next;
    },
    options,
  );
  return { removed, ...(await cleanUp(s3, bucket, options)) };
}

/** The publish has succeeded: a failed clean-up is reported, not thrown (the next publish retries). */
async function cleanUp(
  s3: S3Client,
  bucket: string,
  options: PublishOptions,
): Promise<{ garbage?: LiveGarbageResult; garbageError?: unknown }> {
  try {
    return { garbage: await collectLiveGarbage(s3, bucket, { now: options.now, minAgeMs: options.garbage?.minAgeMs }) };
  } catch (error) {
    return { garbageError: error };
  }
}
