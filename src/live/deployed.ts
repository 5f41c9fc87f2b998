// live/deployed.json (docs/live-data.md): what the last update-stack deployed,
// for `ls` to show beside what is live. Pure: the record a plan makes, and
// reading one back. Nothing but `ls` (and push/rm, for their messages) reads it.
import { basename } from "node:path";
import type { DeployPlan } from "../plan/types.ts";

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

/** The record, or undefined when it is not one this version can read (ls then shows live databases only). */
export function parseDeployedRecord(text: string): DeployedRecord | undefined {
  try {
    const raw = JSON.parse(text) as Partial<DeployedRecord> | null;
    if (raw?.format !== 1 || typeof raw.databases !== "object" || raw.databases === null) return undefined;
    for (const entry of Object.values(raw.databases)) {
      if (typeof entry?.sha256 !== "string" || typeof entry.bytes !== "number") return undefined;
    }
    return { format: 1, databases: raw.databases, deployedAt: typeof raw.deployedAt === "string" ? raw.deployedAt : "" };
  } catch {
    return undefined;
  }
}

/** Same databases (the deploy time aside): nothing to write. */
export function sameDatabases(a: DeployedRecord, b: DeployedRecord | undefined): boolean {
  return b !== undefined && JSON.stringify(a.databases) === JSON.stringify(b.databases);
}

/** Whether update-stack deployed a database of this name (unknown record: no). */
export function isDeployed(deployed: DeployedRecord | undefined, name: string): boolean {
  return deployed !== undefined && Object.hasOwn(deployed.databases, name);
}
