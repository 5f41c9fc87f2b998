// The app stack's parameters (templates/app.yaml), decided from the plan.
import { createHash, scryptSync } from "node:crypto";
import { UserError } from "../errors.ts";
import { PARAMETER_VALUE_BYTES } from "./limits.ts";
import type { DeployPlan } from "./types.ts";

/**
 * Parameters known only at deploy time: the bucket (prereq stack), the stored
 * secret, the --plugin-secret values (NoEcho; omitted without any, so the
 * template's default "{}" clears earlier ones), with --domain the hosted zone (Route 53) and the certificate
 * (the us-east-1 certificate stack), with CloudFront the account's shared parts (the shared stack), and
 * the converter's reserved concurrency (what the account can reserve: src/plan/concurrency.ts).
 */
export const DEPLOY_TIME_PARAMETERS = [
  "BucketName",
  "DatasetteSecret",
  "PluginSecrets",
  "HostedZoneId",
  "CertificateArn",
  "SharedCachePolicyId",
  "SharedStaticCachePolicyId",
  "SharedOriginAccessControlId",
  "SharedViewerFunctionArn",
  "SharedEdgeFunctionVersionArn",
  "ConverterMaxConcurrency",
] as const;

/** The shared stack's outputs as the app stack takes them; empty strings without CloudFront. */
export interface SharedParameters {
  SharedCachePolicyId: string;
  SharedStaticCachePolicyId: string;
  SharedOriginAccessControlId: string;
  SharedViewerFunctionArn: string;
  SharedEdgeFunctionVersionArn: string;
}

export const NO_SHARED: SharedParameters = {
  SharedCachePolicyId: "",
  SharedStaticCachePolicyId: "",
  SharedOriginAccessControlId: "",
  SharedViewerFunctionArn: "",
  SharedEdgeFunctionVersionArn: "",
};

/** Which output of the shared stack each parameter is. */
export const SHARED_OUTPUTS: Record<keyof SharedParameters, string> = {
  SharedCachePolicyId: "CachePolicyId",
  SharedStaticCachePolicyId: "StaticCachePolicyId",
  SharedOriginAccessControlId: "OriginAccessControlId",
  SharedViewerFunctionArn: "ViewerFunctionArn",
  SharedEdgeFunctionVersionArn: "EdgeFunctionVersionArn",
};

/** What --domain resolves to at deploy time; empty strings without a domain. */
export interface DomainParameters {
  HostedZoneId: string;
  CertificateArn: string;
}

export const NO_DOMAIN: DomainParameters = { HostedZoneId: "", CertificateArn: "" };

/** How often each instance checks live/manifest.json for pushed databases (docs/live-data.md). */
export const LIVE_CHECK_SECONDS = 15;

/** Every database copy in the bucket, sorted so argv order changes nothing. */
export function databaseKeys(plan: DeployPlan): string[] {
  const keys = plan.databases.map((database) => {
    if (database.location === "s3" && !database.key) throw new Error(`database ${database.name} is planned for S3 but has no key`);
    return database.key;
  });
  return keys.filter((key): key is string => key !== undefined).sort();
}

/**
 * Every app stack parameter except those of DEPLOY_TIME_PARAMETERS, as the
 * strings CloudFormation wants. Pure: the same plan and keys give the same
 * parameters, so an unchanged site asks for no update.
 */
export function appStackParameters(plan: DeployPlan, keys: { packageKey: string; layerKey: string }): Record<string, string> {
  const functionConfiguration = {
    PackageKey: keys.packageKey,
    LayerKey: keys.layerKey,
    Runtime: plan.runtime,
    Architecture: plan.arch,
    MemorySize: String(plan.memoryMb),
    Timeout: String(plan.timeoutSeconds),
    EphemeralStorageSize: String(plan.ephemeralStorageMb),
    // The serving function's DATASETTE_LAMBDA_LIVE_SECONDS.
    LiveCheckSeconds: String(LIVE_CHECK_SECONDS),
  };
  const parameters = {
    ...functionConfiguration,
    DatabaseKeys: databaseKeys(plan).join(","),
    EnableCdn: plan.cdn ? "true" : "false",
    PathPrefix: plan.prefix ? `/${plan.prefix}` : "",
    DomainName: plan.domain ?? "",
    SnapStart: plan.snapstart ? "true" : "false",
    MaxInstances: String(plan.maxInstances ?? 0),
    VersionFingerprint: plan.snapstart ? versionFingerprint(functionConfiguration) : "",
  };
  checkParameterSizes(parameters);
  return parameters;
}

/**
 * Bump when templates/app.yaml changes the function's own properties (its
 * environment, handler, logging...) so that SnapStart sites publish a version
 * with them on their next deploy.
 */
export const FUNCTION_TEMPLATE_REVISION = 5; // 4: Handler datasette_lambda.handler.handler; 5: ReservedConcurrentExecutions

/**
 * With --snapstart the site is served by a published version (SnapStart snapshots
 * versions, never $LATEST). The version's Description carries this digest of
 * everything that makes up the function (code, layer, runtime, sizes), and a new
 * Description replaces the version: a new one is published exactly when the
 * function changed, and CloudFormation deletes the old one (each cached version is
 * billed). The function's environment carries the digest too
 * (DATASETTE_LAMBDA_VERSION), so a new digest always changes the function's
 * configuration: otherwise Lambda would hand the new version resource the number of
 * the one the alias serves, and the replacement would delete it.
 */
export function versionFingerprint(functionConfiguration: Record<string, string>): string {
  return createHash("sha256")
    .update(JSON.stringify({ revision: FUNCTION_TEMPLATE_REVISION, ...functionConfiguration }))
    .digest("hex");
}

/** The secrets a deploy hands the function, as NoEcho parameters. */
export interface GivenSecrets {
  secret?: string;
  pluginSecrets?: string;
}

/**
 * The app parameters with the secrets given on this deploy folded into the
 * VersionFingerprint, so that a new --secret or --plugin-secret value reaches a
 * SnapStart site (a version keeps the environment it was published with).
 * Unchanged without SnapStart (no fingerprint) or without given secrets: a secret
 * that is kept, not given, is in the version already. The secrets go through
 * scrypt, salted with the site's name, so the fingerprint (a plain stack
 * parameter) is no cheap way to test guesses at them.
 */
export function withSecretsInFingerprint(parameters: Record<string, string>, secrets: GivenSecrets, site: string): Record<string, string> {
  const fingerprint = parameters.VersionFingerprint;
  if (!fingerprint || (secrets.secret === undefined && secrets.pluginSecrets === undefined)) return parameters;
  const material = JSON.stringify([secrets.secret ?? null, secrets.pluginSecrets ?? null]);
  const stretched = scryptSync(material, `datasette-lambda:${site}`, 32).toString("hex");
  return {
    ...parameters,
    VersionFingerprint: createHash("sha256")
      .update(JSON.stringify({ fingerprint, secrets: stretched }))
      .digest("hex"),
  };
}

/** CloudFormation refuses a parameter value over 4 KB; only the key list can grow that long. */
export function checkParameterSizes(parameters: Record<string, string>): void {
  const bytes = Buffer.byteLength(parameters.DatabaseKeys ?? "");
  if (bytes > PARAMETER_VALUE_BYTES) {
    throw new UserError(
      `the database keys come to ${bytes} bytes, over CloudFormation's ${PARAMETER_VALUE_BYTES}-byte limit for a parameter value`,
      {
        hint: "Publish fewer databases in one site, or give them shorter file names.",
      },
    );
  }
}
