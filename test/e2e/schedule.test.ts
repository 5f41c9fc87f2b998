// End to end: the real CLI's schedule, ls, unschedule and delete-stack against a
// local moto server, on a site deployed through the SDK with the real templates
// (its ScheduleGroup is a stand-in that creates the group in moto's own
// EventBridge Scheduler backend), and the converter function's real handler
// fetching from a local HTTP server (never the internet) and publishing into
// moto's S3.
//
// Labelled stand-in: moto keeps schedules but never fires them, and cannot run
// a Lambda function without Docker. So each run is what EventBridge Scheduler
// would do: invoke the converter with the schedule's target Input as the event
// ("Using templated targets in EventBridge Scheduler": a Lambda function's ARN
// as the target is its Invoke, with the Input as the payload). The test reads
// that Input back from moto's GetSchedule and runs the function's handler with
// it, in the function's own environment variables (also read back from moto).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { join } from "node:path";
import { after, test } from "node:test";
import { promisify } from "node:util";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { GetScheduleCommand, GetScheduleGroupCommand, ListSchedulesCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { cliEnv, REPO_ROOT, runCli, TEST_PYTHON } from "../_helpers/cli.ts";
import { motoEnv, motoLambda, startMoto } from "../_helpers/moto.ts";
import { deploySiteWithSdk, motoClients } from "../_helpers/moto-site.ts";

const run = promisify(execFile);
const moto = await startMoto();
after(() => moto.stop());
const env = motoEnv(moto.endpoint, cliEnv());
const { s3 } = motoClients(moto);
const scheduler = new SchedulerClient(moto.clientConfig);

/** The source: one CSV whose bytes, ETag and status the test sets; every request's headers kept. */
const source = { status: 200, body: "id,mag\n1,4.5\n2,5.1\n", etag: '"v1"', requests: [] as IncomingHttpHeaders[] };
const server = createServer((request, response) => {
  source.requests.push(request.headers);
  if (source.status !== 200) {
    response.writeHead(source.status).end("unavailable");
  } else if (request.headers["if-none-match"] === source.etag) {
    response.writeHead(304, { ETag: source.etag }).end(); // RFC 9110, 13.1.2
  } else {
    response.writeHead(200, { "Content-Type": "text/csv", ETag: source.etag, "Last-Modified": "Mon, 30 Nov 2026 09:00:00 GMT" });
    response.end(source.body);
  }
});
server.listen(0, "127.0.0.1");
await once(server, "listening");
after(() => server.close());
const URL_ = `http://127.0.0.1:${(server.address() as { port: number }).port}/feeds/quakes.csv`;

const site = await deploySiteWithSdk(moto, "sched");

async function cli(args: string[]): Promise<string> {
  const result = await runCli(args, { env });
  assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

async function theSchedule(): Promise<{ name: string; input: string; arn: string; role: string; expression: string }> {
  const listed = await scheduler.send(new ListSchedulesCommand({ GroupName: site.outputs.ScheduleGroupName }));
  assert.equal(listed.Schedules?.length, 1);
  const name = listed.Schedules![0]!.Name!;
  const schedule = await scheduler.send(new GetScheduleCommand({ GroupName: site.outputs.ScheduleGroupName, Name: name }));
  return {
    name,
    input: schedule.Target!.Input!,
    arn: schedule.Target!.Arn!,
    role: schedule.Target!.RoleArn!,
    expression: schedule.ScheduleExpression!,
  };
}

/** One run, as EventBridge Scheduler would start it (see the file's comment). */
async function scheduledRun(input: string): Promise<{ status: string; detail: string }> {
  const fn = (await motoLambda(moto, `/functions/${site.outputs.ConverterFunctionName}`)).body as {
    Configuration: { Handler: string; Environment: { Variables: Record<string, string> } };
  };
  assert.equal(fn.Configuration.Handler, "datasette_lambda.convert.function.handler");
  const script = [
    "import json, sys",
    "from datasette_lambda.convert.function import handler",
    "print(json.dumps(handler(json.loads(sys.argv[1]), None)))",
  ].join("\n");
  const { stdout } = await run(TEST_PYTHON, ["-c", script, input], {
    env: { ...env, ...fn.Configuration.Environment.Variables, PYTHONPATH: join(REPO_ROOT, "stub"), PYTHONDONTWRITEBYTECODE: "1" },
  });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as { status: string; detail: string };
}

async function manifest(): Promise<{ databases: Record<string, { sha256: string; sourceUrl?: string; dataAsOf?: string }> }> {
  const response = await s3.send(new GetObjectCommand({ Bucket: site.bucket, Key: "live/manifest.json" }));
  return JSON.parse(await response.Body!.transformToString()) as never;
}

test("schedule, runs that publish / 304 / change / fail, ls, unschedule, then delete-stack takes the rest", async () => {
  const scheduled = JSON.parse(await cli(["schedule", "sched", URL_, "--every", "1h", "--json"])) as { schedule: string; database: string };
  assert.equal(scheduled.database, "quakes");
  const schedule = await theSchedule();
  assert.equal(schedule.name, scheduled.schedule);
  assert.equal(schedule.arn, site.outputs.ConverterFunctionArn);
  assert.equal(schedule.role, site.outputs.SchedulerRoleArn);
  assert.equal(schedule.expression, "rate(1 hour)");

  // First run: published, with the source's Last-Modified as its time and its address.
  assert.equal((await scheduledRun(schedule.input)).status, "published");
  const first = (await manifest()).databases.quakes!;
  assert.equal(first.sourceUrl, URL_);
  assert.equal(first.dataAsOf, "2026-11-30T09:00:00Z");

  // Unchanged: a conditional GET answered 304, nothing published.
  const second = await scheduledRun(schedule.input);
  assert.deepEqual(second, { status: "unchanged", schedule: schedule.name, database: "quakes", detail: "304 Not Modified" });
  assert.equal(source.requests.at(-1)!["if-none-match"], '"v1"');
  assert.equal((await manifest()).databases.quakes!.sha256, first.sha256);

  // Changed: a new version.
  Object.assign(source, { body: "id,mag\n1,4.5\n2,5.1\n3,6.2\n", etag: '"v2"' });
  assert.equal((await scheduledRun(schedule.input)).status, "published");
  const third = (await manifest()).databases.quakes!;
  assert.notEqual(third.sha256, first.sha256);

  // Failing: the site keeps the last good data, and ls says why.
  source.status = 503;
  assert.deepEqual(await scheduledRun(schedule.input), {
    status: "failed",
    schedule: schedule.name,
    database: "quakes",
    detail: "HTTP 503 Service Unavailable",
  });
  assert.equal((await manifest()).databases.quakes!.sha256, third.sha256);
  const listing = await cli(["ls", "sched"]);
  assert.match(listing, /Scheduled imports:\n {2}http:\/\/127\.0\.0\.1:\d+\/feeds\/quakes\.csv {2}every 1 hour {2}into quakes\n/);
  assert.match(
    listing,
    /last run \d{4}-\d\d-\d\d \d\d:\d\d UTC failed: HTTP 503 Service Unavailable \(the site keeps the last good data\)/,
  );
  const json = JSON.parse(await cli(["ls", "sched", "--json"])) as { imports: { lastRun: { result: string } }[] };
  assert.equal(json.imports[0]!.lastRun.result, "failed");

  // unschedule: the schedule and its record go; the database stays.
  await cli(["unschedule", "sched", URL_]);
  const left = await scheduler.send(new ListSchedulesCommand({ GroupName: site.outputs.ScheduleGroupName }));
  assert.deepEqual(left.Schedules, []);
  const records = await s3.send(new ListObjectsV2Command({ Bucket: site.bucket, Prefix: "schedules/" }));
  assert.equal(records.KeyCount, 0);
  assert.ok((await manifest()).databases.quakes);
  const unknown = await runCli(["unschedule", "sched", URL_], { env });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /sched has no scheduled import of http:\/\/127\.0\.0\.1/);

  // delete-stack removes the schedules with everything else.
  await cli(["schedule", "sched", URL_, "--every", "1d"]);
  await cli(["delete-stack", "sched", "--yes"]);
  const remaining = await scheduler.send(new ListSchedulesCommand({ GroupName: site.outputs.ScheduleGroupName }));
  assert.deepEqual(remaining.Schedules, []);
  await assert.rejects(scheduler.send(new GetScheduleGroupCommand({ Name: site.outputs.ScheduleGroupName })), {
    name: "ResourceNotFoundException",
  });
});
