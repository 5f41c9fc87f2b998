// live/manifest.json: what a site serves live (docs/live-data.md; its schema is
// stub/datasette_lambda/contract/schemas/live-manifest.schema.json). Pure: the
// layout of the bucket's live/ prefix, reading a manifest, and the two changes a
// publisher makes to it (publish databases, remove one).
//
// A manifest is read in two steps. parseLiveManifest checks the document (JSON,
// an object, format 1, the two maps) and refuses it whole otherwise: nothing in
// it can be trusted. liveEntries then checks each database entry: a bad one (a
// name Datasette keeps, a missing sha256...) is a problem of that entry alone,
// skipped with its reason, and the others are served. The runtime's reader
// (contract/live_manifest.py) skips the same entries with the same reasons
// (tested on the same examples, contract/schemas/examples/live-manifest/).
// Publishers change the document as read, so entries they cannot read are
// written back untouched. Reading and writing it in S3 is src/aws/live-manifest.ts.
import { nameProblem } from "../database-names.ts";
import { isObject, isSha256, isTableCounts, isWholeNumber } from "../util/json-shapes.ts";
import { isUtcTime } from "./utc-time.ts";

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

/** The document as written. Entries are as the bucket has them, checked when read (liveEntries). */
export interface LiveManifest {
  format: 1;
  databases: Record<string, unknown>;
  /** By source name (the key under incoming/, or a pushed file's name). */
  failed: Record<string, unknown>;
}

/** A database entry no reader serves, and why. */
export interface EntryProblem {
  name: string;
  reason: string;
}

export interface LiveEntries {
  /** The entries a reader serves, in name order. */
  databases: Record<string, LiveDatabase>;
  /** The others, in name order. */
  problems: EntryProblem[];
}

/** A document that cannot be read at all: never served, never overwritten blindly. */
export class LiveManifestError extends Error {}

export function liveDatabaseKey(sha256: string, name: string): string {
  return `${LIVE_DATABASE_PREFIX}${sha256}/${name}.db`;
}

export function emptyLiveManifest(): LiveManifest {
  return { format: 1, databases: {}, failed: {} };
}

// The contract's times are UTC to the second, as the package manifest's.
export { isoSeconds } from "../plan/data-as-of.ts";

const KEY = /^live\/db\/[\s\S]/;

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Why an entry (its name aside) cannot be served, or undefined. The same words as contract/live_manifest.py. */
export function entryProblem(entry: unknown): string | undefined {
  if (!isObject(entry)) return "the entry is not a JSON object";
  if (typeof entry.key !== "string" || !KEY.test(entry.key)) return `its key is not a key under ${LIVE_DATABASE_PREFIX}`;
  if (!isSha256(entry.sha256)) return "its sha256 is not 64 lower-case hex digits";
  if (!isWholeNumber(entry.bytes)) return "its bytes is not a whole number";
  if (entry.tables !== undefined && !isTableCounts(entry.tables)) return 'its tables is not {"<table>": {"count": <whole number>}}';
  for (const field of ["dataAsOf", "publishedAt"]) {
    if (entry[field] !== undefined && !isUtcTime(entry[field])) {
      return `its ${field} is not an ISO 8601 UTC time such as 2026-12-01T10:00:00Z`;
    }
  }
  if (entry.source !== undefined && typeof entry.source !== "string") return "its source is not a string";
  return undefined;
}

/**
 * The entries a reader serves and the problems of the others. `deployed`: the
 * names of the databases deployed with the site, which a live database may
 * replace (same name) but not shadow in other letters. A name that differs
 * only in case from one served before it (in name order) is a problem too.
 */
export function liveEntries(manifest: LiveManifest, deployed: Iterable<string> = []): LiveEntries {
  const taken = [...deployed];
  const databases: Record<string, LiveDatabase> = {};
  const problems: EntryProblem[] = [];
  for (const name of Object.keys(manifest.databases).sort(byName)) {
    const entry = manifest.databases[name];
    const reason = nameProblem(name, taken) ?? entryProblem(entry);
    if (reason !== undefined) {
      problems.push({ name, reason });
      continue;
    }
    const checked = entry as LiveDatabase;
    databases[name] = { ...checked, tables: checked.tables ?? {} };
    taken.push(name);
  }
  return { databases, problems };
}

/** The failures recorded that have their three fields (the others are kept, not listed). */
export function failedFiles(manifest: LiveManifest): Record<string, FailedFile> {
  return Object.fromEntries(
    Object.entries(manifest.failed)
      .filter(([, entry]) => isObject(entry) && typeof entry.reason === "string" && typeof entry.key === "string" && isUtcTime(entry.at))
      .sort(([a], [b]) => byName(a, b)),
  ) as Record<string, FailedFile>;
}

/** The document in `text`; throws LiveManifestError when it is not one. */
export function parseLiveManifest(text: string): LiveManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new LiveManifestError(`not JSON (${(error as Error).message})`);
  }
  if (!isObject(raw)) throw new LiveManifestError("not a JSON object");
  if (raw.format !== 1) throw new LiveManifestError(`format ${JSON.stringify(raw.format)}; this version reads format 1`);
  for (const field of ["databases", "failed"]) {
    if (!isObject(raw[field])) throw new LiveManifestError(`${field} is not a JSON object`);
  }
  // Fields this version does not know are kept as they are.
  return raw as unknown as LiveManifest;
}

/** Stable text: names sorted, so equal manifests are equal bytes. */
export function serializeLiveManifest(manifest: LiveManifest): string {
  const sorted = (record: Record<string, unknown>) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => byName(a, b)));
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

/** The manifest without the entry `name` (served or not); undefined when it has none. */
export function withRemoved(manifest: LiveManifest, name: string): LiveManifest | undefined {
  if (!Object.hasOwn(manifest.databases, name)) return undefined;
  const databases = { ...manifest.databases };
  delete databases[name];
  return { ...manifest, databases };
}

/** Every live/db/ key an entry names, served or not: garbage collection never deletes one. */
export function namedKeys(manifest: LiveManifest): Set<string> {
  return new Set(
    Object.values(manifest.databases).flatMap((entry) => (isObject(entry) && typeof entry.key === "string" ? [entry.key] : [])),
  );
}
