// What `ls` shows: the databases a site serves, live (pushed) or deployed (by
// update-stack), the live ones it cannot serve and why (the manifest's entries
// no reader serves, databases whose object is missing or cut short, and those
// too big for the function's /tmp), the files that failed to convert, those
// still waiting in incoming/, and the scheduled imports. Pure: built from the
// live manifest, live/deployed.json, the waiting files (waiting.ts), the size
// of the function's /tmp, the scheduled imports and the live objects' sizes.
import { isDeployed, type DeployedRecord } from "./deployed.ts";
import { failedFiles, liveEntries, type EntryProblem, type LiveManifest } from "./manifest.ts";
import { objectProblem, type ObjectSizes } from "./object-check.ts";
import type { ListedImport } from "./schedule-state.ts";
import { tmpProblem } from "./tmp-space.ts";
import type { WaitingFile } from "./waiting.ts";

export interface ListedDatabase {
  name: string;
  /** Its page on the site. */
  url: string;
  /** Pushed (served from live/) rather than deployed. */
  live: boolean;
  /** Live, and a deployed database of the same name comes back when it is removed. */
  replacesDeployed: boolean;
  sha256: string;
  bytes: number;
  tables: Record<string, { count: number }>;
  dataAsOf: string | null;
  source: string | null;
  /** Live databases: when they were published. */
  publishedAt: string | null;
  /** Why the site cannot serve it (a live database whose object is missing or cut short, or too big for /tmp), or null. */
  problem: string | null;
}

export interface ListedFailure {
  source: string;
  reason: string;
  at: string;
  key: string;
}

export interface Listing {
  site: string;
  url: string;
  databases: ListedDatabase[];
  /** Entries of the live manifest that no instance serves, and why (each instance logs the same reason). */
  unservable: EntryProblem[];
  failed: ListedFailure[];
  /** Files in incoming/ the converter never finished (waiting.ts). */
  waiting: WaitingFile[];
  /** Scheduled imports (`schedule`), with their last run. */
  imports: ListedImport[];
  /** False when the site has no live/deployed.json: only live databases are known. */
  deployedKnown: boolean;
}

/** The page of database `name` on the site at `siteUrl` (ending in "/"). */
export function databaseUrl(siteUrl: string, name: string): string {
  return `${siteUrl}${encodeURIComponent(name)}`;
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * waiting: files still in incoming/; tmpBytes: the function's /tmp (undefined: unknown, nothing is said about it);
 * objects: the sizes of the live databases' objects in the bucket (undefined: not looked at).
 */
export function buildListing(
  site: string,
  siteUrl: string,
  manifest: LiveManifest,
  deployed: DeployedRecord | undefined,
  waiting: WaitingFile[] = [],
  tmpBytes?: number,
  imports: ListedImport[] = [],
  objects?: ObjectSizes,
): Listing {
  const entries = liveEntries(manifest, Object.keys(deployed?.databases ?? {}));
  const live: ListedDatabase[] = Object.entries(entries.databases).map(([name, entry]) => ({
    name,
    url: databaseUrl(siteUrl, name),
    live: true,
    replacesDeployed: isDeployed(deployed, name),
    sha256: entry.sha256,
    bytes: entry.bytes,
    tables: entry.tables,
    dataAsOf: entry.dataAsOf ?? null,
    source: entry.source ?? null,
    publishedAt: entry.publishedAt ?? null,
    problem: objectProblem(entry, objects) ?? tmpProblem(entry.bytes, tmpBytes, deployed),
  }));
  const shown = new Set(live.map((db) => db.name));
  const fromDeploy: ListedDatabase[] = Object.entries(deployed?.databases ?? {})
    .filter(([name]) => !shown.has(name))
    .map(([name, entry]) => ({
      name,
      url: databaseUrl(siteUrl, name),
      live: false,
      replacesDeployed: false,
      sha256: entry.sha256,
      bytes: entry.bytes,
      tables: entry.tables ?? {},
      dataAsOf: entry.dataAsOf ?? null,
      source: entry.source ?? null,
      publishedAt: null,
      problem: null,
    }));
  const failed = Object.entries(failedFiles(manifest))
    .map(([source, entry]) => ({ source, reason: entry.reason, at: entry.at, key: entry.key }))
    .sort((a, b) => (a.source < b.source ? -1 : 1));
  return {
    site,
    url: siteUrl,
    databases: [...live, ...fromDeploy].sort(byName),
    unservable: entries.problems,
    failed,
    waiting,
    imports,
    deployedKnown: deployed !== undefined,
  };
}
