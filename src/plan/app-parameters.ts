// The app stack's parameters (templates/app.yaml), decided from the plan.
import type { DeployPlan } from "./types.ts";

/** Parameters known only at deploy time (the bucket from the prereq stack, the stored secret). */
export const DEPLOY_TIME_PARAMETERS = ["BucketName", "DatasetteSecret"] as const;

/**
 * Every app stack parameter except BucketName and DatasetteSecret, as the
 * strings CloudFormation wants. Pure: the same plan and keys give the same
 * parameters, so an unchanged site asks for no update.
 */
export function appStackParameters(
  plan: DeployPlan,
  keys: { packageKey: string; layerKey: string },
): Record<string, string> {
  const databaseKeys = plan.databases
    .filter((database) => database.location === "s3")
    .map((database) => {
      if (!database.key) throw new Error(`database ${database.name} is planned for S3 but has no key`);
      return database.key;
    })
    .sort();
  return {
    PackageKey: keys.packageKey,
    LayerKey: keys.layerKey,
    DatabaseKeys: databaseKeys.join(","),
    Runtime: plan.runtime,
    Architecture: plan.arch,
    MemorySize: String(plan.memoryMb),
    Timeout: String(plan.timeoutSeconds),
    EphemeralStorageSize: String(plan.ephemeralStorageMb),
    EnableCdn: plan.cdn ? "true" : "false",
  };
}
