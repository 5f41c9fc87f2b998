// live/deployed.json (docs/live-data.md; the schema is
// stub/datasette_lambda/contract/schemas/deployed-record.schema.json): what the
// last update-stack deployed, for `ls` to show beside what is live. Pure: the
// record a plan makes, and reading one back. Nothing but `ls` (and push/rm, for
// their messages) reads it.
import { basename } from "node:path";
import type { DeployPlan } from "../plan/types.ts";
import { isObject, isSha256, isTableCounts, isWholeNumber } from "../util/json-shapes.ts";
import { isUtcTime } from "./utc-time.ts";

export interface DeployedDatabase {
  sha256: string;
  bytes: number;
  tables: Record<string, { count: number }>;
  /** ISO 8601 UTC, seconds; absent when unknown. */
  dataAsOf?: string;
  location: "inline" | "s3";
  /** The file it was deployed from. */
  source: string;
}

export interface DeployedRecord {
  format: 1;
  databases: Record<string, DeployedDatabase>;
  deployedAt: string;
}

export function deployedRecord(plan: DeployPlan, deployedAt: string): DeployedRecord {
  const databases: Record<string, DeployedDatabase> = {};
  for (const db of [...plan.databases].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    databases[db.name] = {
      sha256: db.sha256,
      bytes: db.bytes,
      tables: db.tables,
      ...(db.dataAsOf ? { dataAsOf: db.dataAsOf } : {}),
      location: db.location,
      // The data files a converted database came from, else the database file itself.
      source: (db.sources ?? [db.path]).map((file) => basename(file)).join(", "),
    };
  }
  return { format: 1, databases, deployedAt };
}

export function serializeDeployedRecord(record: DeployedRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

function isDeployedDatabase(entry: unknown): boolean {
  return (
    isObject(entry) &&
    isSha256(entry.sha256) &&
    isWholeNumber(entry.bytes) &&
    isTableCounts(entry.tables) &&
    (entry.dataAsOf === undefined || isUtcTime(entry.dataAsOf)) &&
    (entry.location === "inline" || entry.location === "s3") &&
    typeof entry.source === "string"
  );
}

/** The record, or undefined when it is not one (ls then shows live databases only, and says so). */
export function parseDeployedRecord(text: string): DeployedRecord | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(raw) || raw.format !== 1 || !isObject(raw.databases) || !isUtcTime(raw.deployedAt)) return undefined;
  if (!Object.entries(raw.databases).every(([name, entry]) => name !== "" && isDeployedDatabase(entry))) return undefined;
  return raw as unknown as DeployedRecord;
}

/** Same databases (the deploy time aside): nothing to write. */
export function sameDatabases(a: DeployedRecord, b: DeployedRecord | undefined): boolean {
  return b !== undefined && JSON.stringify(a.databases) === JSON.stringify(b.databases);
}

/** Whether update-stack deployed a database of this name (unknown record: no). */
export function isDeployed(deployed: DeployedRecord | undefined, name: string): boolean {
  return deployed !== undefined && Object.hasOwn(deployed.databases, name);
}
