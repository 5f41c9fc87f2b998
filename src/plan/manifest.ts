// The manifest.json the stub reads at cold start (format 1; see stub/).
import { PACKAGE_PLUGINS_DIR, PACKAGE_TEMPLATE_DIR, packageStaticDir } from "./assets.ts";
import type { DeployPlan } from "./types.ts";

export interface Manifest {
  format: 1;
  databases: Array<{
    name: string;
    fileName: string;
    sha256: string;
    bytes: number;
    location: "inline" | "s3";
    key?: string;
    /** ISO 8601 UTC: when its data was last updated (optional: older stubs ignore it). */
    dataAsOf?: string;
  }>;
  /** Datasette's inspect data: lets it skip hashing and counting at cold start. */
  inspect: Record<string, { hash: string; size: number; file: string; tables: Record<string, { count: number }> }>;
  metadata: Record<string, unknown>;
  settings: Record<string, string | number | boolean>;
  cors: boolean;
  prefix: string | null;
  /** Only when on (older stubs ignore it; an unchanged site keeps its package). */
  crossdb?: true;
  versionNote?: string;
  /** Package paths (relative to the task root) of --plugins-dir, --template-dir, --static. */
  pluginsDir?: string;
  templateDir?: string;
  staticMounts?: Array<{ mount: string; dir: string }>;
}

export function buildManifest(plan: DeployPlan): Manifest {
  return {
    format: 1,
    databases: plan.databases.map((db) => ({
      name: db.name,
      fileName: db.fileName,
      sha256: db.sha256,
      bytes: db.bytes,
      location: db.location,
      ...(db.key ? { key: db.key } : {}),
      ...(db.dataAsOf ? { dataAsOf: db.dataAsOf } : {}),
    })),
    inspect: Object.fromEntries(
      plan.databases.map((db) => [db.name, { hash: db.sha256, size: db.bytes, file: db.fileName, tables: db.tables }]),
    ),
    metadata: plan.metadata,
    settings: plan.settings,
    cors: plan.cors,
    prefix: plan.prefix,
    ...(plan.crossdb ? { crossdb: true as const } : {}),
    ...(plan.versionNote !== null ? { versionNote: plan.versionNote } : {}),
    ...(plan.assets.pluginsDir ? { pluginsDir: PACKAGE_PLUGINS_DIR } : {}),
    ...(plan.assets.templateDir ? { templateDir: PACKAGE_TEMPLATE_DIR } : {}),
    ...(plan.assets.staticMounts.length > 0
      ? { staticMounts: plan.assets.staticMounts.map(({ mount }, index) => ({ mount, dir: packageStaticDir(index) })) }
      : {}),
  };
}

/** Stable JSON: the same plan always gives the same bytes (and package sha256). */
export function serializeManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
