// Decides where each database lives: inline in the package when package and
// layer stay under Lambda's 250 MB unzipped limit, else in S3 (downloaded to
// /tmp at cold start, which is then sized to hold them; or, with --in-place,
// read where it is through the S3 Files mount, and /tmp stays at its minimum).
// The inline rule is the same with or without --in-place: a database in the
// package is read from local disk, faster than any mount.
import { UserError } from "../errors.ts";
import { projectName } from "./install.ts";
import type { Architecture, DatabaseInput, PackageSize, PlannedDatabase } from "./types.ts";
import { EPHEMERAL_STORAGE_MB, MB, UNZIPPED_CODE_LIMIT, UNZIPPED_SAFETY_MARGIN } from "./limits.ts";

/** What the limit errors say about the layer: its packages (biggest first), the --install requirements, the architecture. */
export interface LayerContents {
  packages: PackageSize[];
  install: string[];
  arch: Architecture;
}

export interface PlacementInput {
  databases: DatabaseInput[];
  /** --external: every database in S3. */
  external: boolean;
  /** The dependency layer, unzipped. */
  layerBytes: number;
  /** Stub code and manifest, unzipped. */
  stubBytes: number;
  /** For the error when the layer leaves no room. */
  layer?: LayerContents;
  /**
   * Datasette's allow_download: inline databases then get a copy in the bucket
   * too, since a download is served from S3 (Lambda's 6 MB response limit).
   */
  downloads: boolean;
  /** --in-place: S3 databases are read from the mount, so /tmp needs no room for them (and any size goes). */
  inPlace?: boolean;
}

export interface Placement {
  databases: PlannedDatabase[];
  ephemeralStorageMb: number;
}

/** The databases kept in S3 (downloaded to /tmp at cold start), in bytes. */
export function s3DatabaseBytes(plan: { databases: PlannedDatabase[] }): number {
  return plan.databases.filter((db) => db.location === "s3").reduce((sum, db) => sum + db.bytes, 0);
}

export function s3DatabaseKey(db: DatabaseInput): string {
  return `db/${db.sha256}/${db.fileName}`;
}

const megabytes = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

/** /tmp needed for the S3 databases: their size plus 10% and 256 MB of headroom, at least Lambda's 512 MB. */
export function ephemeralStorageFor(s3Bytes: number): number {
  if (s3Bytes === 0) return EPHEMERAL_STORAGE_MB.min;
  const needed = Math.ceil((s3Bytes * 1.1) / MB) + 256;
  if (needed > EPHEMERAL_STORAGE_MB.max) {
    throw new UserError(
      `the S3 databases total ${megabytes(s3Bytes)}; ` +
        `with headroom they need ${needed} MB of /tmp, over Lambda's ${EPHEMERAL_STORAGE_MB.max} MB`,
      {
        hint:
          "Serve them in place with --in-place (read through an S3 Files mount: no download, no size limit), " +
          "or publish fewer or smaller databases (Lambda's ephemeral storage stops at 10 GB).",
      },
    );
  }
  return Math.max(EPHEMERAL_STORAGE_MB.min, needed);
}

/** "biggest packages: pandas 61.2 MB, numpy 38.0 MB, pyarrow 33.1 MB (from --install: pandas)", or "" when unknown (pure). */
export function biggestPackages(layer: LayerContents | undefined, count = 3): string {
  const named = layer?.packages.slice(0, count) ?? [];
  if (named.length === 0) return "";
  const installed = new Set(layer!.install.map(projectName));
  const fromInstall = named.filter((pkg) => installed.has(pkg.name)).map((pkg) => pkg.name);
  return (
    `biggest packages: ${named.map((pkg) => `${pkg.name} ${megabytes(pkg.bytes)}`).join(", ")}` +
    (fromInstall.length > 0 ? ` (from --install: ${fromInstall.join(", ")})` : "")
  );
}

/** What to do about a layer too big, lower case (pure): drop an --install package, try the other architecture. */
function shrinkLayerAdvice(layer: LayerContents | undefined): string {
  const install = [...new Set(layer?.install.map(projectName) ?? [])];
  const drop =
    install.length > 0
      ? `drop or replace one of --install ${install.join(", ")} (the biggest packages may come in as their dependencies)`
      : "install fewer or smaller Python packages";
  return layer?.arch === "x86_64" ? drop : `${drop}; --arch x86_64 is sometimes smaller`;
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const EXTERNAL_ADVICE = "pass --external to keep the databases in S3 instead of the package";

/** Throws when the layer leaves no room under the unzipped limit for the stub (pure). Also checked as the layer is built. */
export function checkLayerRoom(layerBytes: number, stubBytes: number, layer?: LayerContents): void {
  if (UNZIPPED_CODE_LIMIT - UNZIPPED_SAFETY_MARGIN - layerBytes - stubBytes >= 0) return;
  const biggest = biggestPackages(layer);
  throw new UserError(
    `the dependency layer (${megabytes(layerBytes)} unzipped) leaves no room under Lambda's 250 MB unzipped limit for function and layers` +
      (biggest ? `; ${biggest}` : ""),
    { hint: `${capitalised(shrinkLayerAdvice(layer))}. --external does not help: it moves databases, not Python packages.` },
  );
}

export function placeDatabases(input: PlacementInput): Placement {
  checkLayerRoom(input.layerBytes, input.stubBytes, input.layer);
  const budget = UNZIPPED_CODE_LIMIT - UNZIPPED_SAFETY_MARGIN - input.layerBytes - input.stubBytes;
  // Smallest first: as many databases as possible stay inline (no download at cold start).
  let remaining = input.external ? -1 : budget;
  const inline = new Set<string>();
  for (const db of [...input.databases].sort((a, b) => a.bytes - b.bytes || a.name.localeCompare(b.name))) {
    if (db.bytes <= remaining) {
      inline.add(db.name);
      remaining -= db.bytes;
    }
  }
  const databases: PlannedDatabase[] = input.databases.map((db) => {
    if (!inline.has(db.name)) return { ...db, location: "s3", key: s3DatabaseKey(db) };
    return input.downloads ? { ...db, location: "inline", key: s3DatabaseKey(db) } : { ...db, location: "inline" };
  });
  const ephemeralStorageMb = input.inPlace ? EPHEMERAL_STORAGE_MB.min : ephemeralStorageFor(s3DatabaseBytes({ databases }));
  return { databases, ephemeralStorageMb };
}

/** The final check on a built package: the numbers Lambda will enforce. */
export function checkPackageLimits(sizes: { packageUnzippedBytes: number; layerUnzippedBytes: number; layer?: LayerContents }): void {
  const total = sizes.packageUnzippedBytes + sizes.layerUnzippedBytes;
  if (total <= UNZIPPED_CODE_LIMIT) return;
  const biggest = biggestPackages(sizes.layer);
  // The bigger part's advice first: the package is mostly databases, the layer Python packages.
  const [first, second] =
    sizes.packageUnzippedBytes >= sizes.layerUnzippedBytes
      ? [EXTERNAL_ADVICE, shrinkLayerAdvice(sizes.layer)]
      : [shrinkLayerAdvice(sizes.layer), EXTERNAL_ADVICE];
  const hint = `${capitalised(first)}; or ${second}.`;
  throw new UserError(
    `the package (${megabytes(sizes.packageUnzippedBytes)}) and layer (${megabytes(sizes.layerUnzippedBytes)}) ` +
      `come to ${megabytes(total)} unzipped, over Lambda's 250 MB limit for function and layers` +
      (biggest ? `; ${biggest}` : ""),
    { hint },
  );
}
