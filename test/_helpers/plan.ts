// Sample DeployPlan values for tests that need a plan but not a build.
import { appStackParameters, NO_DOMAIN, NO_SHARED, type SharedParameters } from "../../src/plan/app-parameters.ts";
import { NO_ASSETS } from "../../src/plan/assets.ts";
import type { DeployPlan, PlannedDatabase } from "../../src/plan/types.ts";

/** A database of this name; its sha256 is 64 hex digits made from the name. */
export function sampleDatabase(name: string, location: "inline" | "s3"): PlannedDatabase {
  const sha256 = sampleSha256(name);
  return {
    name,
    path: `/data/${name}.db`,
    fileName: `${name}.db`,
    bytes: 4096,
    sha256,
    tables: { t: { count: 3 } },
    location,
    ...(location === "s3" ? { key: `db/${sha256}/${name}.db` } : {}),
  };
}

export function sampleSha256(name: string): string {
  return Buffer.from(name).toString("hex").padEnd(64, "0").slice(0, 64);
}

/** The plan update-stack's defaults give for one inline database, with overrides. */
export function samplePlan(overrides: Partial<DeployPlan> = {}): DeployPlan {
  return {
    stackName: "mysite",
    appStackName: "mysite-lambda",
    databases: [sampleDatabase("fixtures", "inline")],
    metadata: {},
    settings: {},
    cors: false,
    crossdb: false,
    versionNote: null,
    assets: NO_ASSETS,
    prefix: null,
    domain: null,
    cdn: true,
    runtime: "python3.13",
    pythonVersion: "3.13",
    arch: "arm64",
    memoryMb: 1024,
    timeoutSeconds: 30,
    ephemeralStorageMb: 512,
    snapstart: false,
    maxInstances: null,
    requirements: [],
    ...overrides,
  };
}

/**
 * Every app stack parameter for the sample plan, as a deploy would pass them;
 * with CloudFront, `shared` are the shared stack's outputs (test/_helpers/moto-site.ts).
 */
export function sampleAppParameters(options: {
  bucket: string;
  packageKey: string;
  layerKey: string;
  cdn: boolean;
  shared?: SharedParameters;
}): Record<string, string> {
  return {
    ...appStackParameters(samplePlan({ databases: [], cdn: options.cdn }), { packageKey: options.packageKey, layerKey: options.layerKey }),
    ...NO_DOMAIN,
    ...(options.shared ?? NO_SHARED),
    ConverterMaxConcurrency: "2",
    BucketName: options.bucket,
    DatasetteSecret: "0123456789abcdef0123456789abcdef",
  };
}
