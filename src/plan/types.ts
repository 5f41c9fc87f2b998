// The typed, validated description of one deployment. Everything that
// decides is computed into these values; everything that acts reads them.

import type { SiteAssets } from "./assets.ts";

export type Architecture = "arm64" | "x86_64";

/** One distribution installed in the dependency layer and its files' size, unzipped. */
export interface PackageSize {
  /** The name pip knows it by, normalised (PEP 503): "pyyaml", "sqlite-utils". */
  name: string;
  bytes: number;
}

export interface DatabaseInput {
  /** Datasette's name for it: the file name without its extension. */
  name: string;
  /** Absolute path of the user's file. */
  path: string;
  /** File name inside the package or under db/<sha256>/ in S3. */
  fileName: string;
  bytes: number;
  sha256: string;
  /** Row counts per table, for Datasette's inspect data. */
  tables: Record<string, { count: number }>;
  /**
   * When its data was last updated, ISO 8601 UTC to the second: the source
   * file's modification time, or --data-as-of (src/plan/data-as-of.ts).
   * Optional only for plans made by hand (tests); inputs always have it.
   */
  dataAsOf?: string;
  /** The user's files it was made from: the database itself, or the data files converted into it. */
  sources?: string[];
}

export interface PlannedDatabase extends DatabaseInput {
  /** Inline: shipped in the package zip. S3: downloaded at cold start. */
  location: "inline" | "s3";
  /**
   * Its copy in the bucket (db/<sha256>/<fileName>): served from there when
   * location is "s3", and the target of "Download database" either way. Absent
   * only for an inline database when downloads are off (allow_download off).
   */
  key?: string;
}

export interface DeployPlan {
  /** Prerequisite stack (the bucket); also the site name. */
  stackName: string;
  /** The app stack: `${stackName}-lambda`. */
  appStackName: string;
  databases: PlannedDatabase[];
  metadata: Record<string, unknown>;
  /** Datasette settings, typed values, base_url included when --prefix is set. */
  settings: Record<string, string | number | boolean>;
  cors: boolean;
  /** --crossdb: Datasette's crossdb (SQL across databases at /_memory). */
  crossdb: boolean;
  /** --version-note: shown on /-/versions.json. */
  versionNote: string | null;
  /** --plugins-dir, --template-dir, --static: local directories copied into the package. */
  assets: SiteAssets;
  /** Path segment(s) without slashes, or null: site served under /prefix/. */
  prefix: string | null;
  /** Custom domain (CloudFront only): certificate stack in us-east-1, DNS records in its zone. */
  domain: string | null;
  cdn: boolean;
  runtime: string;
  /** "3.13" for python3.13. */
  pythonVersion: string;
  arch: Architecture;
  memoryMb: number;
  timeoutSeconds: number;
  /** /tmp size for S3 databases, 512-10240 MB (at most 512 with SnapStart). */
  ephemeralStorageMb: number;
  /** --snapstart: SnapStart on published versions, served through an alias. */
  snapstart: boolean;
  /** --max-instances: the site function's reserved concurrency (a cost cap); null: none. */
  maxInstances: number | null;
  /** Python requirements for the dependency layer, pinned. */
  requirements: string[];
}

/** One file to upload, addressed by its content. */
export interface Artifact {
  /** S3 key, e.g. package/<sha256>.zip, layer/<sha256>.zip, db/<sha256>/<name>.db */
  key: string;
  /** Local file holding the bytes. */
  path: string;
  bytes: number;
  sha256: string;
}

/** Everything a deployment needs, made without calling AWS. */
export interface BuildResult {
  plan: DeployPlan;
  artifacts: Artifact[];
  prereqTemplate: string;
  /** The prerequisite stack's parameters (--cors). */
  prereqParameters: Record<string, string>;
  appTemplate: string;
  /** App stack parameters except DEPLOY_TIME_PARAMETERS (bucket, secret, domain's zone and certificate). */
  appParameters: Record<string, string>;
}
