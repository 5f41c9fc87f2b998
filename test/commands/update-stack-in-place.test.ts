// The real CLI's dry run with and without --in-place: what a deploy would send.
// With it, the NAME-files template (file system, mount targets, access point, VPC)
// is written with its parameters, and app.yaml as its parameters instantiate it
// gives the function a VPC and the file system; without it, none of that.
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseTemplate } from "../../src/templates.ts";
import { cliEnv, runCli, HOST_BUILD } from "../_helpers/cli.ts";
import { makeDatabase, tempDir } from "../_helpers/fixtures.ts";
import { instantiate, props } from "../_helpers/template-instance.ts";

const dir = tempDir();
const env = cliEnv({ AWS_ENDPOINT_URL: "http://127.0.0.1:9", AWS_ACCESS_KEY_ID: undefined, AWS_PROFILE: undefined });
const big = makeDatabase(join(dir, "big.db"), { rows: 20 });

const parametersOf = (file: string): Record<string, string> =>
  Object.fromEntries(
    JSON.parse(readFileSync(file, "utf8")).map((p: { ParameterKey: string; ParameterValue: string }) => [p.ParameterKey, p.ParameterValue]),
  );

async function dryRun(name: string, flags: string[]) {
  const out = join(dir, name);
  const result = await runCli(["update-stack", "mysite", big, "--external", ...HOST_BUILD, ...flags, "--dry-run", "--out", out, "--json"], {
    env,
  });
  assert.equal(result.code, 0, result.stderr);
  return { out, result, summary: JSON.parse(result.stdout) };
}

test("--in-place=cached: NAME-files with the file system, mount targets, access point and VPC; the function mounts it", async () => {
  const { out, summary, result } = await dryRun("in-place", ["--in-place=cached", "--cache-days", "14"]);
  assert.equal(summary.inPlace, "cached");
  // Beside what every dry run writes (shared.yaml too, with CloudFront): the NAME-files stack.
  for (const file of ["files.yaml", "files-parameters.json"]) assert.ok(readdirSync(out).includes(file), file);
  assert.match(result.stderr, /Facet suggestions are off: they cost seconds per table page in place/);

  const files = parseTemplate(readFileSync(join(out, "files.yaml"), "utf8"));
  const types = Object.values(files.Resources).map((r) => r.Type);
  for (const type of [
    "AWS::S3Files::FileSystem",
    "AWS::S3Files::AccessPoint",
    "AWS::S3Files::FileSystemPolicy",
    "AWS::EC2::VPC",
    "AWS::EC2::VPCEndpoint",
    "AWS::EC2::SecurityGroup",
  ]) {
    assert.ok(types.includes(type), type);
  }
  assert.equal(types.filter((t) => t === "AWS::S3Files::MountTarget").length, 2);
  assert.equal(types.filter((t) => t === "AWS::EC2::Subnet").length, 2);
  assert.deepEqual(parametersOf(join(out, "files-parameters.json")), {
    BucketName: "<output BucketName of stack mysite>",
    Cached: "true",
    CachedDays: "14",
  });

  const parameters = parametersOf(join(out, "parameters.json"));
  assert.equal(parameters.InPlace, "cached");
  assert.equal(parameters.EphemeralStorageSize, "512");
  assert.equal(parameters.AccessPointArn, "<output AccessPointArn of stack mysite-files>");
  assert.equal(parameters.SubnetIds, "<output SubnetIds of stack mysite-files>");
  const app = instantiate(parseTemplate(readFileSync(join(out, "app.yaml"), "utf8")), { EnableCdn: "true", InPlace: "cached" });
  const fn = props(app.resources.Function);
  assert.deepEqual((fn.FileSystemConfigs as { Arn: unknown }[])[0]?.Arn, { Ref: "AccessPointArn" });
  assert.ok(fn.VpcConfig);
});

test("without --in-place: no NAME-files template, empty file-system parameters, no VPC or file system for the function", async () => {
  const { out, summary } = await dryRun("downloaded", []);
  assert.equal(summary.inPlace, "off");
  assert.equal(existsSync(join(out, "files.yaml")), false);
  assert.equal(existsSync(join(out, "files-parameters.json")), false);
  const parameters = parametersOf(join(out, "parameters.json"));
  assert.deepEqual(
    [parameters.InPlace, parameters.SubnetIds, parameters.SecurityGroupId, parameters.AccessPointArn, parameters.FileSystemArn],
    ["off", "", "", "", ""],
  );
  const app = instantiate(parseTemplate(readFileSync(join(out, "app.yaml"), "utf8")), { EnableCdn: "true", InPlace: "off" });
  assert.equal(props(app.resources.Function).FileSystemConfigs, undefined);
  assert.equal(props(app.resources.Function).VpcConfig, undefined);
});

test("--in-place FILE: FILE is served, not taken for the mode", async () => {
  const out = join(dir, "order");
  const result = await runCli(
    ["update-stack", "mysite", "--in-place", big, "--external", ...HOST_BUILD, "--dry-run", "--out", out, "--json"],
    {
      env,
    },
  );
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout);
  assert.equal(summary.inPlace, "direct");
  assert.deepEqual(
    summary.databases.map((d: { name: string }) => d.name),
    ["big"],
  );
});
