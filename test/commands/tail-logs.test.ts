import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { mockClient } from "aws-sdk-client-mock";
import { Chalk } from "chalk";
import { runTailLogs, type TailLogsOptions } from "../../src/commands/tail-logs.ts";
import { UserError } from "../../src/errors.ts";
import { createOutput } from "../../src/ui/output.ts";
import { FakeLogGroup } from "../_helpers/fake-log-group.ts";

const NOW = Date.parse("2026-03-01T12:00:00.000Z");
const ID = "8f5a1b2c-1111-2222-3333-444455556666";

function sink(): { stream: Writable & { isTTY?: boolean }; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join("") };
}

function setup(options: { stacks?: boolean; json?: boolean } = {}) {
  const clock = { now: NOW };
  const logs = new FakeLogGroup(clock, 2);
  const cloudformation = new CloudFormationClient({ region: "eu-west-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  const cfn = mockClient(cloudformation);
  if (options.stacks === false) {
    cfn
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error("Stack with id site-lambda does not exist"), { name: "ValidationError" }));
  } else {
    cfn.on(DescribeStacksCommand, { StackName: "site-lambda" }).resolves({
      Stacks: [
        {
          StackName: "site-lambda",
          StackStatus: "CREATE_COMPLETE",
          CreationTime: new Date(),
          Outputs: [
            { OutputKey: "LogGroupName", OutputValue: "/aws/lambda/site-fn" },
            { OutputKey: "SiteUrl", OutputValue: "https://d123.cloudfront.net/" },
          ],
        },
      ],
    });
  }
  const stdout = sink();
  const stderr = sink();
  const output = createOutput({ stdout: stdout.stream, stderr: stderr.stream, env: {}, json: Boolean(options.json) });
  const controller = new AbortController();
  const deps = {
    clients: { cloudformation, logs: logs.client },
    output,
    colors: new Chalk({ level: 0 }),
    stdoutIsTTY: false,
    now: () => clock.now,
    signal: controller.signal,
    sleep: async (ms: number) => {
      clock.now += ms;
    },
  };
  return { clock, logs, cfn, stdout, stderr, deps, controller };
}

const invocation = (at: number) => [
  { eventId: "1", timestamp: at, message: `START RequestId: ${ID} Version: $LATEST\n` },
  { eventId: "2", timestamp: at + 1, message: "GET / 200\n" },
  { eventId: "3", timestamp: at + 2, message: `END RequestId: ${ID}\n` },
  {
    eventId: "4",
    timestamp: at + 3,
    message:
      `REPORT RequestId: ${ID}\tDuration: 123.4 ms\tBilled Duration: 124 ms\t` +
      "Memory Size: 1024 MB\tMax Memory Used: 90 MB\tInit Duration: 812.3 ms\t\n",
  },
];

test("piped: prints the last 10 minutes once, readable, and stops", async () => {
  const t = setup();
  t.logs.events = [{ eventId: "old", timestamp: NOW - 11 * 60_000, message: "too old\n" }, ...invocation(NOW - 60_000)];
  await runTailLogs("site", {}, t.deps);
  assert.equal(
    t.stdout.text(),
    [
      "2026-03-01T11:59:00.000Z 8f5a1b2c START",
      "2026-03-01T11:59:00.001Z 8f5a1b2c GET / 200",
      "2026-03-01T11:59:00.003Z 8f5a1b2c REPORT 123 ms (billed 124 ms) mem 90/1024 MB cold start 812 ms",
      "",
    ].join("\n"),
  );
  assert.match(t.stderr.text(), /Logs of site \(\/aws\/lambda\/site-fn\) since 10 minutes ago\./);
  assert.equal(t.logs.calls[0]?.startTime, NOW - 600_000);
  assert.equal(t.logs.calls[0]?.logGroupName, "/aws/lambda/site-fn");
  assert.ok(t.logs.calls.length >= 2, "paged");
});

test("--since and --filter reach FilterLogEvents", async () => {
  const t = setup();
  t.logs.events = [
    { eventId: "1", timestamp: NOW - 3_000_000, message: "ERROR one\n" },
    { eventId: "2", timestamp: NOW - 3_000_000, message: "fine\n" },
  ];
  await runTailLogs("site", { since: "1h", filter: "ERROR" }, t.deps);
  assert.equal(t.logs.calls[0]?.startTime, NOW - 3_600_000);
  assert.equal(t.logs.calls[0]?.filterPattern, "ERROR");
  assert.match(t.stdout.text(), /ERROR one/);
  assert.doesNotMatch(t.stdout.text(), /fine/);
  assert.match(t.stderr.text(), /matching --filter "ERROR"/);
});

test("--json: one object per event on stdout, END included, report parsed", async () => {
  const t = setup({ json: true });
  t.logs.events = invocation(NOW - 1000);
  await runTailLogs("site", {}, t.deps);
  const lines = t.stdout
    .text()
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  assert.equal(lines.length, 4);
  assert.deepEqual(Object.keys(lines[1]).sort(), ["message", "requestId", "stream", "timestamp"]);
  assert.equal(lines[1].requestId, ID);
  assert.equal(lines[1].message, "GET / 200");
  assert.equal(lines[3].report.initDurationMs, 812.3);
});

test("on a terminal it follows by default until Ctrl-C, printing new events once", async () => {
  const t = setup();
  t.logs.events = invocation(NOW - 1000);
  let polls = 0;
  t.deps.stdoutIsTTY = true;
  t.deps.sleep = async (ms: number) => {
    t.clock.now += ms;
    polls += 1;
    if (polls === 1) t.logs.events.push({ eventId: "5", timestamp: t.clock.now - 500, message: "second request\n" });
    if (polls === 3) t.controller.abort();
  };
  await runTailLogs("site", {}, t.deps);
  const out = t.stdout.text();
  assert.equal(out.match(/GET \/ 200/g)?.length, 1);
  assert.equal(out.match(/second request/g)?.length, 1);
  assert.equal(polls, 3);
  assert.match(t.stderr.text(), /following, Ctrl-C to stop/);
});

test("--no-follow on a terminal and --follow when piped are obeyed", async () => {
  const a = setup();
  a.deps.stdoutIsTTY = true;
  await runTailLogs("site", { follow: false }, a.deps);
  assert.equal(a.logs.calls.length, 1);

  const b = setup();
  let polls = 0;
  b.deps.sleep = async () => {
    polls += 1;
    if (polls === 2) b.controller.abort();
  };
  await runTailLogs("site", { follow: true } satisfies TailLogsOptions, b.deps);
  assert.equal(b.logs.calls.length, 2);
});

test("no events: a clear message and no output", async () => {
  const t = setup();
  await runTailLogs("site", { since: "30s" }, t.deps);
  assert.equal(t.stdout.text(), "");
  assert.match(t.stderr.text(), /No log events since 30 seconds ago\./);
});

test("no log group yet: says the function has not run and where to visit", async () => {
  const t = setup();
  t.logs.exists = false;
  await runTailLogs("site", {}, t.deps);
  assert.match(
    t.stderr.text(),
    /No logs yet: log group \/aws\/lambda\/site-fn does not exist until the function first runs\. Open https:\/\/d123\.cloudfront\.net\//,
  );
  assert.doesNotMatch(t.stderr.text(), /No log events since/);
});

test("a site that does not exist is a UserError, not a stack trace", async () => {
  const t = setup({ stacks: false });
  await assert.rejects(runTailLogs("site", {}, t.deps), (error: unknown) => {
    return error instanceof UserError && error.message === "No site named site in eu-west-1 (stack site-lambda not found).";
  });
  assert.equal(t.logs.calls.length, 0);
});

test("a bad --since fails before any AWS call", async () => {
  const t = setup();
  await assert.rejects(runTailLogs("site", { since: "yesterday" }, t.deps), UserError);
  assert.equal(t.cfn.calls().length, 0);
});

test("colour only when asked: errors red with colours, plain text without", async () => {
  const t = setup();
  t.logs.events = [{ eventId: "1", timestamp: NOW - 1000, message: "[ERROR] boom\n" }];
  t.deps.colors = new Chalk({ level: 1 });
  await runTailLogs("site", {}, t.deps);
  assert.ok(t.stdout.text().includes("\u001b[31m[ERROR] boom"));

  const plain = setup();
  plain.logs.events = [{ eventId: "1", timestamp: NOW - 1000, message: "[ERROR] boom\n" }];
  await runTailLogs("site", {}, plain.deps);
  assert.ok(!plain.stdout.text().includes("\u001b"));
});
