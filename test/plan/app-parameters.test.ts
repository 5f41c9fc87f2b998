import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { appStackParameters, DEPLOY_TIME_PARAMETERS } from "../../src/plan/app-parameters.ts";
import type { PlannedDatabase } from "../../src/plan/types.ts";
import { sampleDatabase, samplePlan } from "../_helpers/plan.ts";

const database = sampleDatabase;
const plan = samplePlan;

const keys = { packageKey: "package/aaaa.zip", layerKey: "layer/bbbb.zip" };

describe("appStackParameters", () => {
  it("passes every knob as a string", () => {
    assert.deepEqual(appStackParameters(plan(), keys), {
      PackageKey: "package/aaaa.zip",
      LayerKey: "layer/bbbb.zip",
      DatabaseKeys: "",
      Runtime: "python3.13",
      Architecture: "arm64",
      MemorySize: "1024",
      Timeout: "30",
      EphemeralStorageSize: "512",
      EnableCdn: "true",
    });
  });

  it("follows the plan's runtime, architecture, sizes and CDN choice", () => {
    const parameters = appStackParameters(
      plan({ runtime: "python3.12", pythonVersion: "3.12", arch: "x86_64", memoryMb: 3008, timeoutSeconds: 900, ephemeralStorageMb: 10240, cdn: false }),
      keys,
    );
    assert.equal(parameters.Runtime, "python3.12");
    assert.equal(parameters.Architecture, "x86_64");
    assert.equal(parameters.MemorySize, "3008");
    assert.equal(parameters.Timeout, "900");
    assert.equal(parameters.EphemeralStorageSize, "10240");
    assert.equal(parameters.EnableCdn, "false");
  });

  it("lists only the S3 databases' keys, sorted, so their order in argv does not matter", () => {
    const zebra = database("zebra", "s3");
    const apple = database("apple", "s3");
    const inline = database("inline", "inline");
    const one = appStackParameters(plan({ databases: [zebra, inline, apple] }), keys);
    const other = appStackParameters(plan({ databases: [apple, zebra, inline] }), keys);
    assert.equal(one.DatabaseKeys, [apple.key, zebra.key].sort().join(","));
    assert.equal(one.DatabaseKeys?.split(",").length, 2);
    assert.ok(!one.DatabaseKeys?.includes("inline"));
    assert.deepEqual(one, other);
  });

  it("leaves out the parameters only known at deploy time", () => {
    const parameters = appStackParameters(plan(), keys);
    for (const name of DEPLOY_TIME_PARAMETERS) assert.ok(!(name in parameters), name);
  });

  it("refuses an S3 database without a key", () => {
    const broken: PlannedDatabase = { ...database("big", "s3"), key: undefined };
    assert.throws(() => appStackParameters(plan({ databases: [broken] }), keys), /big.*no key/);
  });
});
