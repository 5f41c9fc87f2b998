import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { appStackParameters, DEPLOY_TIME_PARAMETERS, withSecretsInFingerprint } from "../../src/plan/app-parameters.ts";
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
      PathPrefix: "",
      DomainName: "",
      LiveCheckSeconds: "15",
      SnapStart: "false",
      MaxInstances: "0",
      VersionFingerprint: "",
    });
  });

  it("with --snapstart: SnapStart on and a fingerprint of exactly what makes up the function", () => {
    const snap = (overrides = {}, k = keys) => appStackParameters(plan({ snapstart: true, ...overrides }), k);
    const base = snap();
    assert.equal(base.SnapStart, "true");
    assert.match(base.VersionFingerprint ?? "", /^[0-9a-f]{64}$/);
    assert.equal(snap().VersionFingerprint, base.VersionFingerprint, "same function, same version: no churn");
    // A new version when the function changes...
    const changes: [string, Record<string, unknown>, typeof keys][] = [
      ["package", {}, { ...keys, packageKey: "package/cccc.zip" }],
      ["layer", {}, { ...keys, layerKey: "layer/dddd.zip" }],
      ["runtime", { runtime: "python3.12", pythonVersion: "3.12" }, keys],
      ["arch", { arch: "x86_64" }, keys],
      ["memory", { memoryMb: 2048 }, keys],
      ["timeout", { timeoutSeconds: 60 }, keys],
      ["storage", { ephemeralStorageMb: 1024 }, keys],
    ];
    for (const [what, overrides, k] of changes) {
      assert.notEqual(snap(overrides, k).VersionFingerprint, base.VersionFingerprint, what);
    }
    // ...and only then: what is not the function's own configuration publishes nothing.
    const s3 = database("other", "s3");
    for (const overrides of [{ cdn: false }, { prefix: "x" }, { domain: "data.example.com" }, { databases: [s3] }, { cors: true }]) {
      assert.equal(snap(overrides).VersionFingerprint, base.VersionFingerprint, JSON.stringify(overrides));
    }
  });

  it("passes the prefix as /x for the static-asset behaviours, and the domain", () => {
    const parameters = appStackParameters(plan({ prefix: "x/y", domain: "data.example.com" }), keys);
    assert.equal(parameters.PathPrefix, "/x/y");
    assert.equal(parameters.DomainName, "data.example.com");
  });

  it("follows the plan's runtime, architecture, sizes and CDN choice", () => {
    const parameters = appStackParameters(
      plan({
        runtime: "python3.12",
        pythonVersion: "3.12",
        arch: "x86_64",
        memoryMb: 3008,
        timeoutSeconds: 900,
        ephemeralStorageMb: 10240,
        cdn: false,
      }),
      keys,
    );
    assert.equal(parameters.Runtime, "python3.12");
    assert.equal(parameters.Architecture, "x86_64");
    assert.equal(parameters.MemorySize, "3008");
    assert.equal(parameters.Timeout, "900");
    assert.equal(parameters.EphemeralStorageSize, "10240");
    assert.equal(parameters.EnableCdn, "false");
  });

  it("lists every database copy in the bucket, sorted, so their order in argv does not matter", () => {
    const zebra = database("zebra", "s3");
    const apple = database("apple", "s3");
    const inline: PlannedDatabase = { ...database("inline", "inline"), key: `db/${"i".repeat(64)}/inline.db` };
    const noDownloads = database("nocopy", "inline");
    const one = appStackParameters(plan({ databases: [zebra, inline, noDownloads, apple] }), keys);
    const other = appStackParameters(plan({ databases: [apple, noDownloads, zebra, inline] }), keys);
    assert.equal(one.DatabaseKeys, [apple.key, zebra.key, inline.key].sort().join(","));
    assert.ok(!one.DatabaseKeys?.includes("nocopy"));
    assert.deepEqual(one, other);
  });

  it("refuses a key list past CloudFormation's 4 KB parameter value", () => {
    const many = Array.from({ length: 60 }, (_, i) => database(`database_with_a_long_name_${i}`, "s3"));
    assert.throws(() => appStackParameters(plan({ databases: many }), keys), /over CloudFormation's 4096-byte limit/);
    appStackParameters(plan({ databases: many.slice(0, 20) }), keys);
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

describe("withSecretsInFingerprint", () => {
  const snap = appStackParameters(samplePlan({ snapstart: true }), { packageKey: "package/p.zip", layerKey: "layer/l.zip" });
  const fold = (secrets: { secret?: string; pluginSecrets?: string }, site = "mysite") =>
    withSecretsInFingerprint(snap, secrets, site).VersionFingerprint;

  it("changes the fingerprint with each secret value given, the same value giving the same fingerprint", () => {
    const one = fold({ secret: "a-secret-of-sixteen-chars" });
    assert.match(one ?? "", /^[0-9a-f]{64}$/);
    assert.notEqual(one, snap.VersionFingerprint);
    assert.equal(fold({ secret: "a-secret-of-sixteen-chars" }), one, "no churn when the same secret is given again");
    assert.notEqual(fold({ secret: "another-secret-of-sixteen" }), one);
    const plugin = fold({ pluginSecrets: '{"P_KEY":"v1"}' });
    assert.notEqual(plugin, snap.VersionFingerprint);
    assert.notEqual(fold({ pluginSecrets: '{"P_KEY":"v2"}' }), plugin);
    assert.notEqual(fold({ secret: '{"P_KEY":"v1"}' }), plugin, "the secret and the plugin secrets are told apart");
    assert.notEqual(fold({ secret: "a-secret-of-sixteen-chars" }, "othersite"), one, "salted by the site");
  });

  it("leaves the parameters alone without SnapStart or without given secrets", () => {
    assert.equal(withSecretsInFingerprint(snap, {}, "mysite"), snap);
    const plain = appStackParameters(samplePlan(), { packageKey: "package/p.zip", layerKey: "layer/l.zip" });
    assert.deepEqual(withSecretsInFingerprint(plain, { secret: "a-secret-of-sixteen-chars" }, "mysite"), plain);
    assert.deepEqual(
      { ...withSecretsInFingerprint(snap, { secret: "a-secret-of-sixteen-chars" }, "mysite"), VersionFingerprint: "" },
      { ...snap, VersionFingerprint: "" },
    );
  });
});
