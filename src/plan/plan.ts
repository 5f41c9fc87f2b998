// Options → DeployPlan. Pure: every input (file contents, sizes, counts) is
// read before this runs, so the whole decision is unit-testable.
import { UserError } from "../errors.ts";
import type { Architecture, DatabaseInput, DeployPlan, PackageSize } from "./types.ts";
import { validateDataAsOf } from "./data-as-of.ts";
import { downloadWarning } from "./downloads.ts";
import { withExtraOptions } from "./extra-options.ts";
import { MB, SNAPSTART_MAX_EPHEMERAL_STORAGE_MB } from "./limits.ts";
import { mergeMetadata, metadataFromFlags } from "./metadata-flags.ts";
import { parsePluginSecrets } from "./plugin-secrets.ts";
import { parseAssets, type SiteAssets } from "./assets.ts";
import { validateInstall } from "./install.ts";
import { placeDatabases, s3DatabaseBytes } from "./placement.ts";
import { runtimeWarning } from "./runtimes.ts";
import { parseSettings } from "./settings.ts";
import { appStackName } from "./stack-names.ts";
import { DEFAULT_OUT_DIR, DEFAULT_RUNTIME } from "./defaults.ts";
import type { UpdateStackOptions } from "./update-stack-options.ts";
import {
  validateArchitecture,
  validateDatabaseName,
  validateDomain,
  validateMemory,
  validatePk,
  validatePrefix,
  validateRuntime,
  validateSiteName,
  validateMaxInstances,
  validateSnapStart,
  validateTimeout,
} from "./validate.ts";

/** The flags, checked: everything that needs no file or network. */
export interface CheckedOptions {
  stackName: string;
  prefix: string | null;
  settings: Record<string, string | number | boolean>;
  domain: string | null;
  runtime: string;
  pythonVersion: string;
  arch: Architecture;
  memoryMb: number;
  timeoutSeconds: number;
  cors: boolean;
  cdn: boolean;
  external: boolean;
  into: string | null;
  pk: string | null;
  /** ISO 8601 UTC to the second, or null: each database's file time. */
  dataAsOf: string | null;
  snapstart: boolean;
  /** --max-instances: at most this many instances at once; null: no cap. */
  maxInstances: number | null;
  crossdb: boolean;
  versionNote: string | null;
  /** --install: requirements added to the layer's. */
  install: string[];
  /** --plugins-dir, --template-dir, --static (directories not yet checked to exist). */
  assets: SiteAssets;
  /** Top-level metadata from --title, --license, ... (wins over --metadata's). */
  extraMetadata: Record<string, unknown>;
  /** --metadata FILE (from the flag or --extra-options), not yet read. */
  metadataFile: string | null;
  /** --dry-run: write to outDir, call no AWS API. */
  dryRun: boolean;
  outDir: string;
}

/** --domain is served by CloudFront (alias records and its certificate); a Function URL takes no custom name. */
function checkDomainNeedsCdn(domain: string | null, cdn: boolean): void {
  if (domain && !cdn) {
    throw new UserError(`--domain ${domain} needs CloudFront, but --no-cdn turns it off`, {
      hint: "Drop --no-cdn to serve the domain through CloudFront, or drop --domain to use the Function URL.",
    });
  }
}

/** update-stack serves FILES: none is a mistake, caught before anything else. */
export function checkFilesGiven(name: string, files: string[]): void {
  if (files.length === 0) {
    throw new UserError("update-stack needs at least one database file", { hint: `e.g. datasette-lambda update-stack ${name} data.db` });
  }
}

/** Every flag of update-stack, checked and with its default applied (pure; `now` dates the runtime check). */
export function checkOptions(name: string, options: UpdateStackOptions, now: Date = new Date()): CheckedOptions {
  options = withExtraOptions(options);
  const runtime = options.runtime ?? DEFAULT_RUNTIME;
  const domain = validateDomain(options.domain);
  const cdn = options.cdn !== false;
  checkDomainNeedsCdn(domain, cdn);
  const pythonVersion = validateRuntime(runtime, now);
  const pluginSecrets = parsePluginSecrets(options.pluginSecret);
  return {
    stackName: validateSiteName(name),
    prefix: validatePrefix(options.prefix),
    settings: parseSettings(options.config, options.setting as Array<[string, string]> | undefined),
    domain,
    runtime,
    pythonVersion,
    arch: validateArchitecture(options.arch),
    memoryMb: validateMemory(options.memory),
    timeoutSeconds: validateTimeout(options.timeout),
    cors: Boolean(options.cors),
    cdn,
    external: Boolean(options.external),
    into: validateDatabaseName("--into", options.into),
    pk: validatePk(options.pk),
    dataAsOf: validateDataAsOf(options.dataAsOf),
    snapstart: validateSnapStart(options.snapstart, runtime, pythonVersion),
    maxInstances: validateMaxInstances(options.maxInstances),
    extraMetadata: mergeMetadata(metadataFromFlags(options), pluginSecrets.metadata),
    crossdb: Boolean(options.crossdb),
    assets: parseAssets(options),
    install: validateInstall(options.install),
    versionNote: options.versionNote ?? null,
    metadataFile: options.metadata ?? null,
    dryRun: Boolean(options.dryRun),
    outDir: options.out ?? DEFAULT_OUT_DIR,
  };
}

/** SnapStart snapshots /tmp too, and allows at most 512 MB of it: the S3 databases must fit. */
function checkSnapStartStorage(snapstart: boolean, ephemeralStorageMb: number, s3Bytes: number, external: boolean): void {
  if (!snapstart || ephemeralStorageMb <= SNAPSTART_MAX_EPHEMERAL_STORAGE_MB) return;
  throw new UserError(
    `--snapstart: the databases kept in S3 (${(s3Bytes / MB).toFixed(0)} MB) need ${ephemeralStorageMb} MB of /tmp, ` +
      `and SnapStart allows at most ${SNAPSTART_MAX_EPHEMERAL_STORAGE_MB} MB of ephemeral storage`,
    {
      hint: external
        ? "Drop --external so that databases that fit go inside the package, or drop --snapstart."
        : "Drop --snapstart (databases up to 10 GB then load into /tmp at cold start), or publish smaller databases.",
    },
  );
}

/** Tables above this many rows make facet suggestions slow (~0.5 s on 2M rows). */
export const LARGE_TABLE_ROWS = 100_000;

export function hasLargeTable(databases: DatabaseInput[]): boolean {
  return databases.some((db) => Object.values(db.tables).some((table) => table.count > LARGE_TABLE_ROWS));
}

export interface PlanInputs {
  options: CheckedOptions;
  databases: DatabaseInput[];
  metadata: Record<string, unknown>;
  requirements: string[];
  layerBytes: number;
  /** The layer's distributions, biggest first, for the error when it leaves no room. */
  layerPackages?: PackageSize[];
  stubBytes: number;
}

/** A database named like the prefix's first segment makes /PREFIX/... ambiguous in redirects. */
function checkPrefixClash(prefix: string | null, databases: DatabaseInput[]): void {
  const first = prefix?.split("/")[0];
  const clash = databases.find((db) => db.name === first);
  if (clash) {
    throw new UserError(`--prefix ${prefix} clashes with the database "${clash.name}" (${clash.fileName})`, {
      hint: "Choose another --prefix, or rename the file: Datasette would mix up /PREFIX/ and the database's own pages.",
    });
  }
}

export function createPlan(inputs: PlanInputs): DeployPlan {
  const { options } = inputs;
  checkPrefixClash(options.prefix, inputs.databases);
  const databases = options.dataAsOf ? inputs.databases.map((db) => ({ ...db, dataAsOf: options.dataAsOf! })) : inputs.databases;
  const placement = placeDatabases({
    databases,
    external: options.external,
    layerBytes: inputs.layerBytes,
    stubBytes: inputs.stubBytes,
    layer: { packages: inputs.layerPackages ?? [], install: options.install, arch: options.arch },
    downloads: options.settings.allow_download !== false,
  });
  checkSnapStartStorage(options.snapstart, placement.ephemeralStorageMb, s3DatabaseBytes(placement), options.external);
  const settings = { ...options.settings };
  if (options.prefix) settings.base_url = `/${options.prefix}/`;
  if (!("suggest_facets" in settings) && hasLargeTable(inputs.databases)) settings.suggest_facets = false;
  return {
    stackName: options.stackName,
    appStackName: appStackName(options.stackName),
    databases: placement.databases,
    metadata: inputs.metadata,
    settings,
    cors: options.cors,
    crossdb: options.crossdb,
    versionNote: options.versionNote,
    assets: options.assets,
    prefix: options.prefix,
    domain: options.domain,
    cdn: options.cdn,
    runtime: options.runtime,
    pythonVersion: options.pythonVersion,
    arch: options.arch,
    memoryMb: options.memoryMb,
    timeoutSeconds: options.timeoutSeconds,
    ephemeralStorageMb: placement.ephemeralStorageMb,
    snapstart: options.snapstart,
    maxInstances: options.maxInstances,
    requirements: inputs.requirements,
  };
}

/** CloudFront waits at most 60 s for the origin (without a quota increase). */
export const CLOUDFRONT_ORIGIN_TIMEOUT_SECONDS = 60;

/** Things that are allowed but probably not what the user wants. Pure (`now` dates the runtime's deprecation). */
export function planWarnings(plan: DeployPlan, now: Date = new Date()): string[] {
  const warnings: string[] = [];
  const runtime = runtimeWarning(plan.runtime, now);
  if (runtime) warnings.push(runtime);
  if (plan.cdn && plan.timeoutSeconds > CLOUDFRONT_ORIGIN_TIMEOUT_SECONDS) {
    warnings.push(
      `--timeout ${plan.timeoutSeconds}: CloudFront gives up on a request after ${CLOUDFRONT_ORIGIN_TIMEOUT_SECONDS} s, ` +
        "so only the Function URL gets the longer limit (or use --no-cdn).",
    );
  }
  const download = downloadWarning(plan);
  if (download) warnings.push(download);
  return warnings;
}
