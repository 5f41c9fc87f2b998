// End to end: update-stack --snapstart against a local moto server, with the
// stand-ins of test/e2e/moto/server.py for what moto lacks (Function URLs,
// CloudFront, Lambda aliases, and a working AWS::Lambda::Version). What this
// proves: the real templates publish one version behind the alias "live" and
// point the Function URL (and CloudFront) at it; a changed site publishes a new
// version and deletes the old one; an unchanged deploy publishes nothing;
// dropping --snapstart deploys with SnapStart off. What it cannot prove: that
// Lambda snapshots and restores (moto runs no code; the stub tests run the
// snapshot hooks, the template tests check the SnapStart setting), nor what
// dropping --snapstart does to the resources (moto updates a resource whose
// Condition turned false instead of deleting it, and does not update one whose
// Fn::If changed branch; the template tests show version and alias exist, and
// the URL's qualifier and permissions point at the alias, only under UseSnapStart).
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { cliEnv, runCli, updateStackJson, type DeployJson } from "../_helpers/cli.ts";
import { databaseVersion, tempDir } from "../_helpers/fixtures.ts";
import { motoEnv, motoLambda, standIns, startMoto } from "../_helpers/moto.ts";
import { describeStack, motoClients } from "../_helpers/moto-site.ts";

const moto = await startMoto();
after(() => moto.stop());

const env = motoEnv(moto.endpoint, cliEnv());
const { cloudformation } = motoClients(moto);
const dir = tempDir();
// SnapStart needs python3.12 or later; the layer is built (and cached) for it.
const HOST = ["--runtime", "python3.12", "--arch", "x86_64"];

function deploy(site: string, file: string, flags: string[]): Promise<DeployJson> {
  return updateStackJson([site, file, ...HOST, ...flags], env);
}

function database(version: string, rows: number): string {
  return databaseVersion(dir, version, rows);
}

async function appParameters(app: string): Promise<Record<string, string>> {
  const stack = await describeStack(cloudformation, app);
  return Object.fromEntries((stack.Parameters ?? []).map((p) => [p.ParameterKey ?? "", p.ParameterValue ?? ""]));
}

/** Published versions of the function (not $LATEST), from moto's Lambda backend. */
async function publishedVersions(app: string): Promise<string[]> {
  const { status, body } = await motoLambda(moto, `/functions/${app}/versions`);
  assert.equal(status, 200);
  return (body as { Versions: { Version: string }[] }).Versions.map((v) => v.Version).filter((v) => v !== "$LATEST");
}

/** The version the alias live points at, or null when there is no such alias. */
async function liveAlias(app: string): Promise<string | null> {
  const { status, body } = await motoLambda(moto, `/functions/${app}/aliases/live`);
  if (status === 404) return null;
  assert.ok(status < 300, `GetAlias: HTTP ${status}`); // moto answers 201
  return (body as { FunctionVersion: string }).FunctionVersion;
}

async function liveUrl(app: string) {
  const urls = (await standIns(moto, app)).filter((r) => r.type === "AWS::Lambda::Url" && !r.deleted);
  assert.equal(urls.length, 1);
  return urls[0]!;
}

test(
  "--snapstart: one version behind the alias live; a change replaces it, an unchanged deploy keeps it; " + "the flag can be dropped",
  async () => {
    const site = "E2e-Snap";
    const app = `${site}-lambda`;

    const v1 = database("v1", 3);
    const v2 = database("v2", 5);
    const first = await deploy(site, v1, ["--snapstart"]);
    let parameters = await appParameters(app);
    assert.equal(parameters.SnapStart, "true");
    assert.match(parameters.VersionFingerprint ?? "", /^[0-9a-f]{64}$/);
    assert.deepEqual(await publishedVersions(app), ["1"]);
    assert.equal(await liveAlias(app), "1");
    // The Function URL invokes the alias, and CloudFront's origin is that URL.
    const url = await liveUrl(app);
    assert.equal(url.properties.Qualifier, "live");
    assert.match(url.attributes.FunctionArn ?? "", /:function:E2e-Snap-lambda:live$/);
    assert.equal(first.functionUrl, url.attributes.FunctionUrl);
    const distribution = (await standIns(moto, app)).find((r) => r.type === "AWS::CloudFront::Distribution" && !r.deleted)!;
    const origins = (distribution.properties.DistributionConfig as { Origins: { DomainName: string }[] }).Origins;
    assert.equal(origins[0]!.DomainName, new URL(first.functionUrl).host);

    const again = await deploy(site, v1, ["--snapstart"]);
    assert.equal(again.changed, false);
    assert.deepEqual(await publishedVersions(app), ["1"]);

    const changed = await deploy(site, v2, ["--snapstart"]);
    assert.equal(changed.changed, true);
    const fingerprint = parameters.VersionFingerprint;
    parameters = await appParameters(app);
    assert.notEqual(parameters.VersionFingerprint, fingerprint);
    // The new version serves; the old one is gone (each version's snapshot is billed).
    assert.deepEqual(await publishedVersions(app), ["2"]);
    assert.equal(await liveAlias(app), "2");
    assert.equal(changed.functionUrl, first.functionUrl, "the alias's URL stays");

    // A new --plugin-secret value alone: a version keeps the environment it was published with, so a new one is.
    const withSecret = (value: string) => ["--snapstart", "--plugin-secret", "some-plugin", "token", value];
    await deploy(site, v2, withSecret("first-value"));
    const secretFingerprint = (await appParameters(app)).VersionFingerprint;
    assert.notEqual(secretFingerprint, parameters.VersionFingerprint);
    assert.deepEqual(await publishedVersions(app), ["3"]);
    assert.equal(await liveAlias(app), "3");
    await deploy(site, v2, withSecret("first-value"));
    assert.equal((await appParameters(app)).VersionFingerprint, secretFingerprint, "the same secret, the same version");
    assert.deepEqual(await publishedVersions(app), ["3"]);
    await deploy(site, v2, withSecret("second-value"));
    assert.deepEqual(await publishedVersions(app), ["4"]);
    assert.equal(await liveAlias(app), "4");

    const plain = await deploy(site, v2, []);
    assert.equal(plain.changed, true);
    parameters = await appParameters(app);
    assert.deepEqual([parameters.SnapStart, parameters.VersionFingerprint], ["false", ""]);
    assert.equal(plain.url, first.url, "CloudFront's address stays");
  },
);

test("--snapstart on python3.11 is refused before anything is built or deployed", async () => {
  const result = await runCli(
    ["update-stack", "E2e-Snap311", database("v311", 1), "--snapstart", "--runtime", "python3.11", "--arch", "x86_64"],
    { env },
  );
  assert.equal(result.code, 1);
  assert.match(result.stderr, /--snapstart needs python3\.12 or later; --runtime python3\.11 has no SnapStart/);
  assert.match(result.stderr, /--runtime python3\.13 --snapstart/);
  await assert.rejects(describeStack(cloudformation, "E2e-Snap311"), /does not exist|not found/);
});
