// End to end: the real CLI's update-stack against a local moto server (moto
// plus stand-ins for CloudFront and Function URLs, test/e2e/moto/server.py).
// What this proves: both stacks are created and updated from the real
// templates, artifacts are uploaded once by content, re-deploys are no-ops, and
// a failure shows CloudFormation's reason. What it cannot prove: that the
// deployed function serves the site (moto cannot invoke Lambda without Docker);
// the stub tests do that.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { CloudWatchLogsClient, CreateLogGroupCommand, DeleteLogGroupCommand } from "@aws-sdk/client-cloudwatch-logs";
import { GetFunctionConcurrencyCommand } from "@aws-sdk/client-lambda";
import { GetBucketCorsCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { cliEnv, runCli, updateStackJson, type DeployJson, HOST_BUILD } from "../_helpers/cli.ts";
import { databaseVersion, tempDir } from "../_helpers/fixtures.ts";
import { motoEnv, startMoto } from "../_helpers/moto.ts";
import { describeStack, motoAwsClients, motoClients, stackOutputs } from "../_helpers/moto-site.ts";

const moto = await startMoto();
after(() => moto.stop());

const env = motoEnv(moto.endpoint, cliEnv());
const { cloudformation, s3 } = motoClients(moto);
const dir = tempDir();

function deploy(site: string, files: string[], flags: string[] = []): Promise<DeployJson> {
  return updateStackJson([site, ...files, ...HOST_BUILD, ...flags], env);
}

function database(version: string, rows: number): string {
  return databaseVersion(dir, version, rows);
}

async function bucketKeys(bucket: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (listed.Contents ?? []).map((o) => o.Key ?? "").sort();
}

async function appParameters(app: string): Promise<Record<string, string>> {
  const stack = await describeStack(cloudformation, app);
  return Object.fromEntries((stack.Parameters ?? []).map((p) => [p.ParameterKey ?? "", p.ParameterValue ?? ""]));
}

test("first deploy creates both stacks; an identical one changes nothing; a changed database uploads only the new package", async () => {
  const site = "E2e-Site";

  const v1 = database("v1", 3);
  const first = await deploy(site, [v1]);
  assert.equal(first.stack, site);
  assert.equal(first.changed, true);
  assert.match(first.url, /^https:\/\/[a-z0-9]+\.cloudfront\.net\/$/);
  assert.match(first.functionUrl, /^https:\/\/[a-z0-9]+\.lambda-url\.us-east-1\.on\.aws\/$/);
  const prereq = await describeStack(cloudformation, site);
  const app = await describeStack(cloudformation, `${site}-lambda`);
  assert.equal(prereq.StackStatus, "CREATE_COMPLETE");
  assert.equal(app.StackStatus, "CREATE_COMPLETE");
  assert.equal(stackOutputs(app).SiteUrl, first.url);

  const bucket = stackOutputs(prereq).BucketName!;
  const deployed = await appParameters(`${site}-lambda`);
  assert.match(deployed.PackageKey ?? "", /^package\/[0-9a-f]{64}\.zip$/);
  assert.match(deployed.LayerKey ?? "", /^layer\/[0-9a-f]{64}\.zip$/);
  // The inline database has a copy in the bucket too: "Download database" is served from S3.
  assert.match(deployed.DatabaseKeys ?? "", /^db\/[0-9a-f]{64}\/fixtures\.db$/);
  assert.deepEqual(await bucketKeys(bucket), [deployed.DatabaseKeys, deployed.LayerKey, deployed.PackageKey, "live/deployed.json"].sort());
  // What is deployed, for ls.
  const record = JSON.parse(
    await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "live/deployed.json" }))).Body!.transformToString(),
  ) as {
    databases: Record<string, { location: string; source: string; tables: unknown; sha256: string }>;
  };
  assert.deepEqual(Object.keys(record.databases), ["fixtures"]);
  assert.equal(record.databases.fixtures?.location, "inline");
  assert.equal(record.databases.fixtures?.source, "fixtures.db");
  assert.deepEqual(record.databases.fixtures?.tables, { items: { count: 3 } });
  assert.equal(`db/${record.databases.fixtures?.sha256}/fixtures.db`, deployed.DatabaseKeys);
  assert.equal(first.uploaded.files, 3);
  assert.ok(first.uploaded.bytes > 0);

  const again = await deploy(site, [v1]);
  assert.deepEqual(
    { changed: again.changed, uploaded: again.uploaded, url: again.url },
    { changed: false, uploaded: { files: 0, bytes: 0 }, url: first.url },
  );

  const changed = await deploy(site, [database("v2", 5)]);
  assert.equal(changed.changed, true);
  assert.equal(changed.url, first.url);
  const updated = await appParameters(`${site}-lambda`);
  assert.equal((await describeStack(cloudformation, `${site}-lambda`)).StackStatus, "UPDATE_COMPLETE");
  assert.notEqual(updated.PackageKey, deployed.PackageKey);
  assert.equal(updated.LayerKey, deployed.LayerKey);
  assert.equal(changed.uploaded.files, 2, "only the new package and the new database's copy");
  assert.ok((await bucketKeys(bucket)).includes(updated.PackageKey!));
});

test("data files are converted and deployed; converting the same files again uploads nothing", async () => {
  const site = "E2e-Data";
  const folder = join(dir, "data");
  mkdirSync(folder, { recursive: true });
  const csv = join(folder, "sales.csv");
  writeFileSync(csv, "id,region,amount\n1,north,10.5\n2,south,\n");
  const json = join(folder, "regions.json");
  writeFileSync(json, JSON.stringify([{ code: "north" }, { code: "south" }]));
  const first = await deploy(site, [csv, json]);
  assert.equal(first.changed, true);
  const keys = (await appParameters(`${site}-lambda`)).DatabaseKeys!.split(",").sort();
  assert.equal(keys.length, 2);
  assert.match(keys[0]!, /^db\/[0-9a-f]{64}\/regions\.db$/);
  assert.match(keys[1]!, /^db\/[0-9a-f]{64}\/sales\.db$/);

  const again = await deploy(site, [csv, json]);
  assert.deepEqual({ changed: again.changed, uploaded: again.uploaded }, { changed: false, uploaded: { files: 0, bytes: 0 } });
});

// Reserved concurrency (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html):
// moto applies ReservedConcurrentExecutions when CloudFormation creates a function;
// GetAccountSettings is a labelled stand-in (test/e2e/moto/server.py), from those reservations.
test("--max-instances reserves the site function's concurrency and the converter's 2; more than the account has fails first", async () => {
  const site = "E2e-Caps";
  await deploy(site, [database("caps", 2)], ["--max-instances", "5"]);
  const outputs = stackOutputs(await describeStack(cloudformation, `${site}-lambda`));
  const lambda = motoAwsClients(moto, "us-east-1").lambda;
  const reserved = async (name: string) =>
    (await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: name }))).ReservedConcurrentExecutions;
  assert.equal(await reserved(outputs.FunctionName!), 5);
  assert.equal(await reserved(outputs.ConverterFunctionName!), 2);

  const refused = await runCli(["update-stack", "E2e-Caps-Big", database("caps-big", 1), ...HOST_BUILD, "--max-instances", "5000"], {
    env,
  });
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /^Error: --max-instances 5000: this account can reserve \d+ concurrent executions for this site in us-east-1/m,
  );
  await assert.rejects(describeStack(cloudformation, "E2e-Caps-Big"), /does not exist|not found/);
});

test("--no-cdn: the site URL is the Function URL", async () => {
  const result = await deploy("E2e-NoCdn", [database("nocdn", 2)], ["--no-cdn"]);
  assert.equal(result.url, result.functionUrl);
  const outputs = stackOutputs(await describeStack(cloudformation, "E2e-NoCdn-lambda"));
  assert.equal(outputs.DistributionId, undefined);
});

// The bucket's CORS rule comes from prereq.yaml (moto's bucket model ignores the
// property; the launcher applies it, test/e2e/moto/server.py patch_bucket_cors). S3
// answers a GET whose Origin a rule allows with Access-Control-Allow-Origin ("*" on
// S3 for AllowedOrigins "*"; moto echoes the origin), and nothing otherwise:
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html. A signed GetObject
// with the browser's Origin header stands in for the presigned download URL.
test("--cors: the bucket answers browsers' reads of a download, Origin null included; dropping --cors removes the rule", async () => {
  const site = "E2e-Cors";
  const db = database("cors", 2);
  await deploy(site, [db], ["--cors"]);
  const bucket = stackOutputs(await describeStack(cloudformation, site)).BucketName!;
  const { CORSRules } = await s3.send(new GetBucketCorsCommand({ Bucket: bucket }));
  assert.deepEqual(
    CORSRules?.map((r) => ({ methods: r.AllowedMethods, origins: r.AllowedOrigins, expose: r.ExposeHeaders })),
    [{ methods: ["GET", "HEAD"], origins: ["*"], expose: ["Content-Range", "Content-Disposition", "ETag", "Accept-Ranges"] }],
  );
  const key = (await appParameters(`${site}-lambda`)).DatabaseKeys!;
  for (const origin of ["null", "https://example.org"]) {
    const headers = await getWithOrigin(bucket, key, origin);
    assert.ok(["*", origin].includes(headers["access-control-allow-origin"] ?? ""), `Origin ${origin}: ${JSON.stringify(headers)}`);
  }

  await deploy(site, [db]);
  await assert.rejects(s3.send(new GetBucketCorsCommand({ Bucket: bucket })), /NoSuchCORSConfiguration|CORS/);
  assert.equal((await getWithOrigin(bucket, key, "null"))["access-control-allow-origin"], undefined);
});

/** GetObject sent with an Origin header, as a browser's fetch would; the response's headers. */
async function getWithOrigin(bucket: string, key: string, origin: string): Promise<Record<string, string>> {
  const client = motoClients(moto).s3;
  let headers: Record<string, string> = {};
  client.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers.origin = origin;
      const result = await next(args);
      headers = (result.response as { headers: Record<string, string> }).headers;
      return result;
    },
    { step: "build" },
  );
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  await object.Body?.transformToByteArray();
  return headers;
}

test("a failing resource stops the deploy with its reason; the next run recreates the rolled-back stack", async () => {
  // The app stack's log group already exists (say, left by an earlier function).
  // CloudFormation fails the resource and rolls back; the harness's server does
  // the same (test/e2e/moto/server.py, patch_create_failures).
  const logs = new CloudWatchLogsClient(moto.clientConfig);
  const logGroupName = "/aws/lambda/E2e-Fail-lambda";
  await logs.send(new CreateLogGroupCommand({ logGroupName }));
  const db = database("fail", 1);

  const failed = await runCli(["update-stack", "E2e-Fail", db, ...HOST_BUILD], { env });
  assert.equal(failed.code, 1);
  assert.equal(failed.stdout, "");
  assert.match(failed.stderr, /^Error: .*LogGroup.*The specified log group already exists/m);
  assert.doesNotMatch(failed.stderr, /\n\s+at /, "no stack trace");
  assert.equal((await describeStack(cloudformation, "E2e-Fail-lambda")).StackStatus, "ROLLBACK_COMPLETE");

  await logs.send(new DeleteLogGroupCommand({ logGroupName }));
  const retried = await runCli(["update-stack", "E2e-Fail", db, ...HOST_BUILD], { env });
  assert.equal(retried.code, 0, retried.stderr);
  assert.match(retried.stderr, /ROLLBACK_COMPLETE.*delet/i);
  assert.equal((await describeStack(cloudformation, "E2e-Fail-lambda")).StackStatus, "CREATE_COMPLETE");
});
