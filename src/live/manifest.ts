// live/manifest.json: what a site serves live (docs/live-data.md). Pure: the
// layout of the bucket's live/ prefix, reading and checking a manifest, and
// the two changes a publisher makes to it (publish databases, remove one).
// Reading and writing it in S3, conditionally, is src/aws/live-manifest.ts.
import { isLiveName } from "./names.ts";

export const LIVE_MANIFEST_KEY = "live/manifest.json";
export const LIVE_DATABASE_PREFIX = "live/db/";
export const DEPLOYED_RECORD_KEY = "live/deployed.json";
export const INCOMING_PREFIX = "incoming/";
export const FAILED_PREFIX = "failed/";

export interface LiveDatabase {
  /** live/db/<sha256>/<name>.db */
  key: string;
  sha256: string;
  bytes: number;
  tables: Record<string, { count: number }>;
  /** ISO 8601 UTC, seconds. */
  dataAsOf?: string;
  /** The file (or files, ", "-separated) it came from. */
  source?: string;
  publishedAt?: string;
}

export interface FailedFile {
  /** One line: "FILE:LINE: reason". */
  reason: string;
  at: string;
  /** failed/<name> */
  key: string;
}

export interface LiveManifest {
  format: 1;
  databases: Record<string, LiveDatabase>;
  /** By source name (the key under incoming/, or a pushed file's name). */
  failed: Record<string, FailedFile>;
}

/** A manifest in the bucket that this tool cannot read: never overwritten blindly. */
export class LiveManifestError extends Error {}

export function liveDatabaseKey(sha256: string, name: string): string {
  return `${LIVE_DATABASE_PREFIX}${sha256}/${name}.db`;
}

export function emptyLiveManifest(): LiveManifest {
  return { format: 1, databases: {}, failed: {} };
}

// The contract's times are UTC to the second, as the package manifest's.
export { isoSeconds } from "../plan/data-as-of.ts";

const SHA256 = /^[0-9a-f]{64}$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalString(entry: Record<string, unknown>, field: string, where: string): void {
  if (entry[field] !== undefined && typeof entry[field] !== "string") throw new LiveManifestError(`${where}.${field} must be a string`);
}

function checkDatabase(name: string, entry: unknown): LiveDatabase {
  const where = `databases.${name}`;
  if (!isLiveName(name)) throw new LiveManifestError(`database name "${name}" is not [A-Za-z0-9_-]+`);
  if (!isObject(entry)) throw new LiveManifestError(`${where} must be an object`);
  if (typeof entry.sha256 !== "string" || !SHA256.test(entry.sha256)) throw new LiveManifestError(`${where}.sha256 must be 64 hex digits`);
  if (typeof entry.key !== "string" || !entry.key.startsWith(LIVE_DATABASE_PREFIX)) {
    throw new LiveManifestError(`${where}.key must be a key under ${LIVE_DATABASE_PREFIX}`);
  }
  if (typeof entry.bytes !== "number" || !Number.isInteger(entry.bytes) || entry.bytes < 0) {
    throw new LiveManifestError(`${where}.bytes must be a whole number`);
  }
  if (entry.tables !== undefined && !isObject(entry.tables)) throw new LiveManifestError(`${where}.tables must be an object`);
  for (const field of ["dataAsOf", "source", "publishedAt"]) optionalString(entry, field, where);
  // Fields this version does not know are kept as they are.
  return { ...entry, tables: (entry.tables as LiveDatabase["tables"] | undefined) ?? {} } as LiveDatabase;
}

function checkFailed(source: string, entry: unknown): FailedFile {
  const where = `failed.${source}`;
  if (!isObject(entry)) throw new LiveManifestError(`${where} must be an object`);
  for (const field of ["reason", "at", "key"]) {
    if (typeof entry[field] !== "string") throw new LiveManifestError(`${where}.${field} must be a string`);
  }
  return entry as unknown as FailedFile;
}

/** The manifest in `text`, checked; throws LiveManifestError naming the bad field. */
export function parseLiveManifest(text: string): LiveManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new LiveManifestError(`not JSON (${(error as Error).message})`);
  }
  if (!isObject(raw)) throw new LiveManifestError("not a JSON object");
  if (raw.format !== 1) throw new LiveManifestError(`format ${JSON.stringify(raw.format)}; this version reads format 1`);
  const databases = raw.databases ?? {};
  const failed = raw.failed ?? {};
  if (!isObject(databases)) throw new LiveManifestError("databases must be an object");
  if (!isObject(failed)) throw new LiveManifestError("failed must be an object");
  return {
    ...raw,
    format: 1,
    databases: Object.fromEntries(Object.entries(databases).map(([name, entry]) => [name, checkDatabase(name, entry)])),
    failed: Object.fromEntries(Object.entries(failed).map(([source, entry]) => [source, checkFailed(source, entry)])),
  };
}

/** Stable text: keys sorted, so equal manifests are equal bytes. */
export function serializeLiveManifest(manifest: LiveManifest): string {
  const sorted = (record: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `${JSON.stringify({ ...manifest, databases: sorted(manifest.databases), failed: sorted(manifest.failed) }, null, 2)}\n`;
}

export interface Publication {
  name: string;
  entry: LiveDatabase;
  /** Source names whose `failed` entries this publication clears (they now converted). */
  sources: string[];
}

/** The manifest with these databases served (added or replaced); nothing else changes. */
export function withPublished(manifest: LiveManifest, publications: Publication[]): LiveManifest {
  const databases = { ...manifest.databases };
  const failed = { ...manifest.failed };
  for (const { name, entry, sources } of publications) {
    databases[name] = entry;
    for (const source of sources) delete failed[source];
  }
  return { ...manifest, databases, failed };
}

/** The manifest without database `name`; undefined when it does not serve it. */
export function withRemoved(manifest: LiveManifest, name: string): LiveManifest | undefined {
  if (!Object.hasOwn(manifest.databases, name)) return undefined;
  const databases = { ...manifest.databases };
  delete databases[name];
  return { ...manifest, databases };
}

/** Every live/db/ key the manifest names: garbage collection never deletes one. */
export function namedKeys(manifest: LiveManifest): Set<string> {
  return new Set(Object.values(manifest.databases).map((entry) => entry.key));
}
