// End to end: update-stack --in-place and delete-stack against a local moto
// server, with stand-ins for the AWS::S3Files types moto lacks and a patch that
// checks a function's FileSystemConfigs as Lambda documents it (in a VPC, a
// mount target in each of its zones, no SnapStart): test/e2e/moto/server.py.
// What this proves: the NAME-files stack is deployed before the function mounts
// its access point (else the patched Lambda refuses), on a versioned bucket (else
// the file system stand-in refuses); direct and cached switch both ways in place;
// switching off takes the function out of the VPC, then deletes NAME-files;
// delete-stack removes all of it; --in-place --snapstart stops before anything;
// a NAME-files stack that is not ours is never touched. What it cannot prove:
// that S3 Files mounts and serves (the stub tests serve a directory laid out as
// the mount), that Lambda's network interfaces take minutes to go (moto makes
// none; the unit tests script that wait), or real mount-target timings.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { CreateStackCommand } from "@aws-sdk/client-cloudformation";
import { GetBucketVersioningCommand } from "@aws-sdk/client-s3";
import { cliEnv, runCli, updateStackJson, type DeployJson, HOST_BUILD } from "../_helpers/cli.ts";
import { makeDatabase, tempDir } from "../_helpers/fixtures.ts";
import { motoEnv, motoLambda, standIns, startMoto, type StandInRecord } from "../_helpers/moto.ts";
import { describeStack, motoClients, settleStack, stackOutputs } from "../_helpers/moto-site.ts";
import { readTemplate } from "../../src/templates.ts";
import { join } from "node:path";

const moto = await startMoto();
after(() => moto.stop());

const env = motoEnv(moto.endpoint, cliEnv());
const { cloudformation, s3 } = motoClients(moto);
const dir = tempDir();
// --external: the database goes to S3, which is what --in-place serves from.
const big = makeDatabase(join(dir, "big.db"), { rows: 50 });

function deploy(site: string, flags: string[]): Promise<DeployJson> {
  return updateStackJson([site, big, "--external", ...HOST_BUILD, ...flags], env);
}

async function parameters(stack: string): Promise<Record<string, string>> {
  const found = await describeStack(cloudformation, stack);
  return Object.fromEntries((found.Parameters ?? []).map((p) => [p.ParameterKey ?? "", p.ParameterValue ?? ""]));
}

interface FunctionConfiguration {
  VpcConfig: { SubnetIds: string[]; SecurityGroupIds: string[] } | null;
  FileSystemConfigs?: { Arn: string; LocalMountPath: string; S3FilesConfig?: { DirectS3Read: string } }[];
  Environment: { Variables: Record<string, string> };
}

async function functionConfiguration(site: string): Promise<FunctionConfiguration> {
  const { status, body } = await motoLambda(moto, `/functions/${site}-lambda/configuration`);
  assert.equal(status, 200);
  return body as FunctionConfiguration;
}

const live = (records: StandInRecord[], type: string) => records.filter((r) => r.type === type && !r.deleted);

async function stackGone(name: string): Promise<boolean> {
  try {
    const stack = await describeStack(cloudformation, name);
    return stack.StackStatus === "DELETE_COMPLETE";
  } catch {
    return true;
  }
}

test("--in-place: NAME-files before the function mounts it; direct and cached switch in place; off deletes NAME-files after", async () => {
  const site = "E2e-InPlace";
  const first = await runCli(["update-stack", site, big, "--external", ...HOST_BUILD, "--in-place", "--json"], { env });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /creating stack E2e-InPlace-files: .*mount targets take a few minutes/);
  assert.match(first.stderr, /Facet suggestions are off: they cost seconds per table page in place/);
  const files = await describeStack(cloudformation, `${site}-files`);
  assert.equal(files.StackStatus, "CREATE_COMPLETE");
  const outputs = stackOutputs(files);

  // S3 Files needs a versioned bucket: every site's is.
  const bucket = stackOutputs(await describeStack(cloudformation, site)).BucketName!;
  assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status, "Enabled");

  // The file system covers the whole bucket; a mount target in each of two zones.
  const records = await standIns(moto, `${site}-files`);
  const [fileSystem] = live(records, "AWS::S3Files::FileSystem");
  assert.equal(fileSystem?.properties.Prefix, "");
  assert.equal(fileSystem?.properties.Bucket, `arn:aws:s3:::${bucket}`);
  const targets = live(records, "AWS::S3Files::MountTarget");
  assert.equal(targets.length, 2);
  assert.equal(new Set(targets.map((t) => t.attributes.AvailabilityZoneId)).size, 2, "two zones");
  assert.equal(live(records, "AWS::S3Files::FileSystemPolicy").length, 1);
  assert.equal(outputs.AccessPointArn, live(records, "AWS::S3Files::AccessPoint")[0]?.attributes.AccessPointArn);

  // The app stack takes the outputs; the function is in the VPC and mounts the access point.
  let app = await parameters(`${site}-lambda`);
  assert.deepEqual(
    [app.InPlace, app.SubnetIds, app.SecurityGroupId, app.AccessPointArn, app.FileSystemArn, app.EphemeralStorageSize],
    ["direct", outputs.SubnetIds, outputs.SecurityGroupId, outputs.AccessPointArn, outputs.FileSystemArn, "512"],
  );
  let fn = await functionConfiguration(site);
  assert.deepEqual(fn.VpcConfig?.SubnetIds, outputs.SubnetIds!.split(","));
  assert.deepEqual(fn.VpcConfig?.SecurityGroupIds, [outputs.SecurityGroupId]);
  assert.deepEqual(fn.FileSystemConfigs, [
    { Arn: outputs.AccessPointArn, LocalMountPath: "/mnt/bucket", S3FilesConfig: { DirectS3Read: "AUTO" } },
  ]);
  assert.equal(fn.Environment.Variables.DATASETTE_LAMBDA_MOUNT, "/mnt/bucket");

  // Cached: the same file system, its import rules updated; the function reads through it.
  const cached = await deploy(site, ["--in-place=cached", "--cache-days", "30"]);
  assert.equal(cached.changed, true);
  const [updated] = live(await standIns(moto, `${site}-files`), "AWS::S3Files::FileSystem");
  assert.equal(updated?.physicalResourceId, fileSystem?.physicalResourceId, "updated in place, not replaced");
  const sync = updated?.properties.SynchronizationConfiguration as {
    ImportDataRules: { Prefix: string }[];
    ExpirationDataRules: { DaysAfterLastAccess: number | string }[];
  };
  assert.deepEqual(
    sync.ImportDataRules.map((rule) => rule.Prefix),
    ["", "db/", "live/db/"],
  );
  assert.equal(String(sync.ExpirationDataRules[0]?.DaysAfterLastAccess), "30");
  fn = await functionConfiguration(site);
  assert.equal(fn.FileSystemConfigs?.[0]?.S3FilesConfig?.DirectS3Read, "DISABLED");
  assert.equal((await parameters(`${site}-lambda`)).InPlace, "cached");

  const again = await deploy(site, ["--in-place=cached", "--cache-days", "30"]);
  assert.equal(again.changed, false);

  // Off: the function leaves the VPC first, then NAME-files goes (its network interfaces are none here).
  const off = await runCli(["update-stack", site, big, "--external", ...HOST_BUILD, "--json"], { env });
  assert.equal(off.code, 0, off.stderr);
  const updating = off.stderr.indexOf(`Updating stack ${site}-lambda`);
  const deleting = off.stderr.indexOf(`No --in-place any more: deleting stack ${site}-files`);
  assert.ok(updating >= 0 && deleting > updating, off.stderr);
  assert.equal(JSON.parse(off.stdout).changed, true);
  assert.doesNotMatch(off.stderr, /Warning|not deleted yet/i);
  assert.ok(await stackGone(`${site}-files`));
  assert.deepEqual(live(await standIns(moto, `${site}-files`), "AWS::S3Files::FileSystem"), []);
  app = await parameters(`${site}-lambda`);
  assert.deepEqual([app.InPlace, app.SubnetIds, app.AccessPointArn], ["off", "", ""]);
  fn = await functionConfiguration(site);
  assert.equal(fn.VpcConfig, null);
  assert.equal(fn.FileSystemConfigs, undefined);
  assert.equal(fn.Environment.Variables.DATASETTE_LAMBDA_MOUNT, undefined);

  // And on again, then delete-stack: the app, then NAME-files, then the bucket and NAME.
  await deploy(site, ["--in-place"]);
  assert.equal((await describeStack(cloudformation, `${site}-files`)).StackStatus, "CREATE_COMPLETE");
  const deleted = await runCli(["delete-stack", site, "--yes", "--json"], { env });
  assert.equal(deleted.code, 0, deleted.stderr);
  // In that order (the last site also takes the account's shared CloudFront parts with it).
  assert.deepEqual(JSON.parse(deleted.stdout).deleted.slice(0, 4), [`${site}-lambda`, `${site}-files`, `s3://${bucket}`, site]);
  for (const stack of [site, `${site}-lambda`, `${site}-files`]) assert.ok(await stackGone(stack), stack);
  assert.deepEqual(
    (await standIns(moto)).filter((r) => r.type.startsWith("AWS::S3Files::") && !r.deleted && r.stackId.includes(`/${site}-files/`)),
    [],
  );
});

// The other refusals (--in-place=fast, --cache-days without =cached) are the same check
// of the flags, tested in test/plan/in-place.test.ts.
test("--in-place with --snapstart fails before anything is built or deployed", async () => {
  const result = await runCli(
    ["update-stack", "E2e-Refused", big, "--arch", "x86_64", "--in-place", "--snapstart", "--runtime", "python3.13"],
    {
      env,
    },
  );
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /--in-place mounts the bucket as a file system, and Lambda SnapStart does not support/);
  assert.doesNotMatch(result.stderr, /Building the dependency layer/);
  for (const stack of ["E2e-Refused", "E2e-Refused-lambda", "E2e-Refused-files"]) {
    await assert.rejects(describeStack(cloudformation, stack), /does not exist|not found/);
  }
});

test("a stack named NAME-files that datasette-lambda did not make is refused by --in-place and left alone by delete-stack", async () => {
  const site = "E2e-Foreign";
  // Another tool's stack (here: a bucket stack) that happens to bear the name.
  await cloudformation.send(new CreateStackCommand({ StackName: `${site}-files`, TemplateBody: await readTemplate("prereq") }));
  assert.equal((await settleStack(cloudformation, `${site}-files`)).StackStatus, "CREATE_COMPLETE");

  const refused = await runCli(["update-stack", site, big, "--external", ...HOST_BUILD, "--in-place"], { env });
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(
    refused.stderr,
    /--in-place needs the stack E2e-Foreign-files, and a stack of that name exists that datasette-lambda did not make/,
  );

  // The deploy stopped before the app stack; delete-stack removes the site and not the other stack.
  const deleted = await runCli(["delete-stack", site, "--yes", "--json"], { env });
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.ok(!JSON.parse(deleted.stdout).deleted.includes(`${site}-files`));
  assert.equal((await describeStack(cloudformation, `${site}-files`)).StackStatus, "CREATE_COMPLETE");
});
