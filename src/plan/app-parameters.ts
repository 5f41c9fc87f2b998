// The app stack's parameters (templates/app.yaml), decided from the plan.
import { UserError } from "../errors.ts";
import { PARAMETER_VALUE_BYTES } from "./limits.ts";
import type { DeployPlan } from "./types.ts";

/**
 * Parameters known only at deploy time: the bucket (prereq stack), the stored
 * secret, and with --domain the hosted zone (Route 53) and the certificate
 * (the us-east-1 certificate stack).
 */
export const DEPLOY_TIME_PARAMETERS = ["BucketName", "DatasetteSecret", "HostedZoneId", "CertificateArn"] as const;

/** What --domain resolves to at deploy time; empty strings without a domain. */
export interface DomainParameters {
  HostedZoneId: string;
  CertificateArn: string;
}

export const NO_DOMAIN: DomainParameters = { HostedZoneId: "", CertificateArn: "" };

/** How often each instance checks live/manifest.json for pushed databases (stub/live-data.md). */
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
export function appStackParameters(
  plan: DeployPlan,
  keys: { packageKey: string; layerKey: string },
): Record<string, string> {
  const parameters = {
    PackageKey: keys.packageKey,
    LayerKey: keys.layerKey,
    DatabaseKeys: databaseKeys(plan).join(","),
    Runtime: plan.runtime,
    Architecture: plan.arch,
    MemorySize: String(plan.memoryMb),
    Timeout: String(plan.timeoutSeconds),
    EphemeralStorageSize: String(plan.ephemeralStorageMb),
    EnableCdn: plan.cdn ? "true" : "false",
    PathPrefix: plan.prefix ? `/${plan.prefix}` : "",
    DomainName: plan.domain ?? "",
    LiveCheckSeconds: String(LIVE_CHECK_SECONDS),
  };
  checkParameterSizes(parameters);
  return parameters;
}

/** CloudFormation refuses a parameter value over 4 KB; only the key list can grow that long. */
export function checkParameterSizes(parameters: Record<string, string>): void {
  const bytes = Buffer.byteLength(parameters.DatabaseKeys ?? "");
  if (bytes > PARAMETER_VALUE_BYTES) {
    throw new UserError(`the database keys come to ${bytes} bytes, over CloudFormation's ${PARAMETER_VALUE_BYTES}-byte limit for a parameter value`, {
      hint: "Publish fewer databases in one site, or give them shorter file names.",
    });
  }
}
