// End to end: the real CLI's tail-logs and delete-stack against a local moto
// server. Sites are deployed straight through the SDK with the real templates
// (test/_helpers/moto-site.ts), so these tests depend neither on update-stack
// nor on a dependency layer build. moto's FilterLogEvents understands plain
// terms and quoted phrases only; its DeleteStack silently keeps a bucket that
// still holds anything (old versions and delete markers included), so the
// bucket's absence is checked directly.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { DeleteStackCommand } from "@aws-sdk/client-cloudformation";
import {
  CloudWatchLogsClient,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  PutLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { HeadBucketCommand, PutBucketVersioningCommand, PutObjectCommand, DeleteObjectCommand } from "@aws-sdk/client-s3";
import { cliEnv, runCli } from "../_helpers/cli.ts";
import { motoEnv, startMoto } from "../_helpers/moto.ts";
import { deploySiteWithSdk, describeStack, motoClients, settleStack } from "../_helpers/moto-site.ts";

const moto = await startMoto();
after(() => moto.stop());

const env = motoEnv(moto.endpoint, cliEnv());
const logs = new CloudWatchLogsClient(moto.clientConfig);
const { cloudformation, s3 } = motoClients(moto);

const REQUEST_ID = "abcdef12-3456-7890-abcd-ef1234567890";

/** One invocation's worth of Lambda log lines, written `minutesAgo` minutes ago. */
function invocation(minutesAgo: number): { timestamp: number; message: string }[] {
  const start = Date.now() - minutesAgo * 60_000;
  const iso = new Date(start).toISOString();
  return [
    `START RequestId: ${REQUEST_ID} Version: $LATEST`,
    `[INFO]\t${iso}\t${REQUEST_ID}\tserving /fixtures`,
    `[ERROR]\t${iso}\t${REQUEST_ID}\tTraceback (most recent call last):\r  File "handler.py", line 1, in handler\rValueError: boom`,
    `END RequestId: ${REQUEST_ID}`,
    `REPORT RequestId: ${REQUEST_ID}\tDuration: 12.34 ms\tBilled Duration: 13 ms\t` +
      "Memory Size: 1024 MB\tMax Memory Used: 90 MB\tInit Duration: 812.50 ms\t",
  ].map((message, i) => ({ timestamp: start + i, message }));
}

async function writeEvents(logGroupName: string, events: { timestamp: number; message: string }[]): Promise<void> {
  const logStreamName = "2026/01/01/[$LATEST]0123456789abcdef";
  await logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName }));
  await logs.send(new PutLogEventsCommand({ logGroupName, logStreamName, logEvents: events }));
}

test("tail-logs prints the site's recent log events, summarised, and --filter narrows them", async () => {
  const site = await deploySiteWithSdk(moto, "Tail-Site");
  const old = { timestamp: Date.now() - 3 * 3600_000, message: "too old to show" };
  const recent = invocation(5);
  await writeEvents(site.outputs.LogGroupName!, [old, ...recent]);

  const all = await runCli(["tail-logs", site.name, "--since", "1h", "--no-follow"], { env });
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /abcdef12 +\[INFO\] serving \/fixtures/);
  assert.match(all.stdout, /ValueError: boom/);
  assert.match(all.stdout, /REPORT 12 ms \(billed 13 ms\) mem 90\/1024 MB cold start 813 ms/);
  assert.doesNotMatch(all.stdout, /too old to show/);
  assert.ok(!all.stdout.includes("\x1b["), "no colour when piped");

  const filtered = await runCli(["tail-logs", site.name, "--since", "1h", "--no-follow", "--filter", "boom"], { env });
  assert.equal(filtered.code, 0, filtered.stderr);
  const lines = filtered.stdout.trim().split("\n");
  assert.match(lines[0] ?? "", /Traceback/);
  assert.match(filtered.stdout, /ValueError: boom/);
  assert.doesNotMatch(filtered.stdout, /serving|REPORT/);

  const json = await runCli(["tail-logs", site.name, "--since", "1h", "--no-follow", "--json"], { env });
  assert.equal(json.code, 0, json.stderr);
  const objects = json.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { message: string; requestId: string | null });
  assert.deepEqual(
    objects.map((o) => o.message),
    recent.map((e) => e.message),
  );
  assert.ok(objects.every((o) => o.requestId === REQUEST_ID));
});

test("tail-logs on a site that does not exist says so in one line", async () => {
  const result = await runCli(["tail-logs", "No-Such-Site", "--no-follow"], { env });
  assert.notEqual(result.code, 0);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /No-Such-Site/);
  assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
});

async function bucketExists(bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === "NotFound") return false;
    throw error;
  }
}

test("delete-stack --yes removes both stacks and the versioned bucket's every object; a second run has nothing to delete", async () => {
  const site = await deploySiteWithSdk(moto, "Delete-Site");
  // Versions and a delete marker: moto's DeleteStack would silently keep the bucket.
  await s3.send(new PutBucketVersioningCommand({ Bucket: site.bucket, VersioningConfiguration: { Status: "Enabled" } }));
  for (const body of ["one", "two"]) {
    await s3.send(new PutObjectCommand({ Bucket: site.bucket, Key: "db/0123/big.db", Body: body }));
  }
  await s3.send(new DeleteObjectCommand({ Bucket: site.bucket, Key: "db/0123/big.db" }));

  const result = await runCli(["delete-stack", site.name, "--yes"], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await settleStack(cloudformation, site.appStackId)).StackStatus, "DELETE_COMPLETE");
  assert.equal((await settleStack(cloudformation, site.prereqStackId)).StackStatus, "DELETE_COMPLETE");
  assert.equal(await bucketExists(site.bucket), false, "the bucket is really gone");
  const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: site.outputs.LogGroupName }));
  assert.deepEqual(logGroups, []);

  const again = await runCli(["delete-stack", site.name, "--yes"], { env });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout + again.stderr, /nothing to delete/i);
});

test("delete-stack finishes off a half-deleted site", async () => {
  const site = await deploySiteWithSdk(moto, "Half-Site");
  await cloudformation.send(new DeleteStackCommand({ StackName: site.app }));

  const result = await runCli(["delete-stack", site.name, "--yes"], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await settleStack(cloudformation, site.prereqStackId)).StackStatus, "DELETE_COMPLETE");
  assert.equal(await bucketExists(site.bucket), false);
});

test("delete-stack without a terminal and without --yes refuses and deletes nothing", async () => {
  const site = await deploySiteWithSdk(moto, "Keep-Site");
  const result = await runCli(["delete-stack", site.name], { env });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /--yes/);
  assert.equal((await describeStack(cloudformation, site.app)).StackStatus, "CREATE_COMPLETE");
  assert.equal(await bucketExists(site.bucket), true);
});
