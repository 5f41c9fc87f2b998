// schedule, unschedule, and what ls does with scheduled imports (delete-stack's
// part: test/commands/delete-stack.test.ts),
// against in-memory CloudFormation, S3 and EventBridge Scheduler. The schedule
// request follows the EventBridge Scheduler API Reference (CreateSchedule:
// Name, GroupName, ScheduleExpression, FlexibleTimeWindow, Target {Arn,
// RoleArn, Input, RetryPolicy}); its Lambda target invokes the converter with
// the Input as the event ("Using templated targets in EventBridge Scheduler").
import assert from "node:assert/strict";
import { test } from "node:test";
import { runLs } from "../../src/commands/ls.ts";
import { runSchedule, type ScheduleResult } from "../../src/commands/schedule.ts";
import { runUnschedule } from "../../src/commands/unschedule.ts";
import { UserError } from "../../src/errors.ts";
import type { Listing } from "../../src/live/listing.ts";
import { liveWorld, SCHEDULING_OUTPUTS, type LiveWorld } from "../_helpers/live-site.ts";

const URL_ = "https://data.example.org/feeds/quakes.csv";
const userError = (pattern: RegExp) => (error: unknown) => error instanceof UserError && pattern.test(error.message);

function deps(w: LiveWorld, checked: string[] = []) {
  return {
    clients: w.clients,
    output: w.output.out,
    checkEncoding: async (name: string) => {
      checked.push(name);
      if (name === "klingon") throw new UserError("--encoding klingon: Python knows no text encoding of that name");
    },
  };
}

test("schedule: one schedule in the site's group, invoking the converter as the scheduler role with the import's event", async () => {
  const w = liveWorld({ json: true });
  const result = await runSchedule("site", URL_, { every: "1h", fts: ["place"] }, deps(w));
  const [name, request] = [...w.scheduler.groups.get("site-lambda")!.entries()][0]!;
  assert.equal(name, result.schedule);
  assert.match(name, /^quakes-[0-9a-f]{12}$/);
  assert.deepEqual(
    { ...request, Target: { ...request.Target, Input: undefined } },
    {
      Name: name,
      GroupName: "site-lambda",
      Description: `datasette-lambda: ${URL_} into quakes`,
      ScheduleExpression: "rate(1 hour)",
      FlexibleTimeWindow: { Mode: "OFF" },
      State: "ENABLED",
      Target: {
        Arn: SCHEDULING_OUTPUTS.ConverterFunctionArn,
        RoleArn: SCHEDULING_OUTPUTS.SchedulerRoleArn,
        Input: undefined,
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 3 },
      },
    },
  );
  assert.deepEqual(JSON.parse(request.Target!.Input!), {
    "datasette-lambda": "scheduled-import",
    format: 1,
    schedule: name,
    url: URL_,
    database: "quakes",
    keyNames: false,
    fts: ["place"],
  });
  assert.deepEqual(JSON.parse(w.output.stdout()) as ScheduleResult, {
    site: "site",
    schedule: name,
    url: URL_,
    database: "quakes",
    databaseUrl: "https://d111.cloudfront.net/quakes",
    expression: "rate(1 hour)",
    action: "created",
  });
});

test("schedule again: the URL's schedule is updated, not doubled; the text result says when it runs and where to look", async () => {
  const w = liveWorld();
  await runSchedule("site", URL_, { every: "1h" }, deps(w));
  await runSchedule("site", URL_, { every: "6h", into: "quakes_all", encoding: "cp1252" }, deps(w));
  const schedules = [...w.scheduler.groups.get("site-lambda")!.values()];
  assert.equal(schedules.length, 1);
  assert.equal(schedules[0]!.ScheduleExpression, "rate(6 hours)");
  const event = JSON.parse(schedules[0]!.Target!.Input!) as Record<string, unknown>;
  assert.deepEqual([event.database, event.keyNames, event.encoding], ["quakes_all", true, "cp1252"]);
  assert.equal(
    w.output.stdout().split("\n").at(-3),
    "Rescheduled: https://data.example.org/feeds/quakes.csv every 6 hours, into https://d111.cloudfront.net/quakes_all",
  );
  assert.match(w.output.stdout(), /\nThe first run starts within a minute; ls site shows each run's result\.\n/);
  assert.match(w.output.stdout(), /quakes_all\nls site shows each run's result\.\n$/);
});

test("schedule: bad flags fail before any AWS call; a query string is kept in the event but never shown", async () => {
  const w = liveWorld({ json: true });
  const checked: string[] = [];
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    [URL_, {}, /^schedule needs --every/],
    [URL_, { every: "hourly" }, /^--every "hourly" is not an interval/],
    ["ftp://x.org/a.csv", { every: "1h" }, /only http and https/],
    ["https://x.org/", { every: "1h" }, /has no file name/],
    [URL_, { every: "1h", fts: [""] }, /^--fts needs a column name$/],
    [URL_, { every: "1h", encoding: "klingon" }, /^--encoding klingon/],
  ];
  for (const [url, options, pattern] of cases) {
    await assert.rejects(runSchedule("site", url, options, deps(w, checked)), userError(pattern), String(pattern));
  }
  assert.deepEqual(checked, ["klingon"]);
  assert.equal(w.cfn.mock.calls().length + w.scheduler.mock.calls().length, 0, "no AWS call");

  const secret = "https://api.example.org/v1/items?format=json&key=s3cr3t";
  await runSchedule("site", secret, { every: "30m" }, deps(w));
  assert.doesNotMatch(w.output.stdout(), /s3cr3t/);
  assert.match([...w.scheduler.groups.get("site-lambda")!.values()][0]!.Target!.Input!, /key=s3cr3t/);
});

test("schedule on a site deployed before scheduled imports says to deploy it again", async () => {
  const w = liveWorld({ scheduling: false });
  await assert.rejects(runSchedule("site", URL_, { every: "1h" }, deps(w)), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.match(error.message, /deployed by a version of datasette-lambda without scheduled imports/);
    assert.match(error.hint ?? "", /update-stack site/);
    return true;
  });
});

test("ls: each scheduled import with its last run, a failure's reason, and when its data is from", async () => {
  const w = liveWorld();
  const ok = await runSchedule("site", URL_, { every: "1h" }, deps(w));
  const failing = await runSchedule("site", "https://api.example.org/v1/items?key=s3cr3t", { every: "30m" }, deps(w));
  await runSchedule("site", "https://x.org/new.csv", { every: "1d" }, deps(w));
  w.bucket.put(
    `schedules/${ok.schedule}.json`,
    JSON.stringify({
      format: 1,
      lastRun: { at: "2026-12-01T11:00:00Z", result: "unchanged" },
      lastChange: { at: "2026-12-01T10:00:02Z", dataAsOf: "2026-12-01T09:58:00Z" },
    }),
  );
  w.bucket.put(
    `schedules/${failing.schedule}.json`,
    JSON.stringify({ format: 1, lastRun: { at: "2026-12-01T11:30:00Z", result: "failed", reason: "HTTP 503 Service Unavailable" } }),
  );
  const text = liveWorld();
  Object.assign(text, { clients: w.clients });
  await runLs("site", {}, { clients: w.clients, output: text.output.out });
  assert.equal(
    text.output.stdout(),
    [
      "site serves no databases.",
      "",
      "Scheduled imports:",
      "  https://api.example.org/v1/items  every 30 minutes  into items",
      "    last run 2026-12-01 11:30 UTC failed: HTTP 503 Service Unavailable (the site keeps the last good data)",
      "  https://x.org/new.csv  every 1 day  into new",
      "    not run yet",
      "  https://data.example.org/feeds/quakes.csv  every 1 hour  into quakes",
      "    last run 2026-12-01 11:00 UTC: unchanged; data as of 2026-12-01 09:58 UTC",
      "",
    ].join("\n"),
  );
  const json = liveWorld({ json: true });
  await runLs("site", {}, { clients: w.clients, output: json.output.out });
  const listing = JSON.parse(json.output.stdout()) as Listing;
  assert.deepEqual(listing.imports[0], {
    schedule: failing.schedule,
    url: "https://api.example.org/v1/items",
    database: "items",
    every: "every 30 minutes",
    lastRun: { at: "2026-12-01T11:30:00Z", result: "failed", reason: "HTTP 503 Service Unavailable" },
    lastChange: null,
  });
  assert.doesNotMatch(json.output.stdout(), /s3cr3t/);
});

test("unschedule: the schedule and its record go, what it published stays; an unknown URL is one line naming ls", async () => {
  const w = liveWorld();
  const made = await runSchedule("site", URL_, { every: "1h" }, deps(w));
  w.bucket.put(`schedules/${made.schedule}.json`, "{}");
  w.bucket.put("live/manifest.json", '{"format": 1, "databases": {}, "failed": {}}');
  await runUnschedule("site", URL_, {}, { clients: w.clients, output: w.output.out });
  assert.equal(w.scheduler.groups.get("site-lambda")!.size, 0);
  assert.equal(w.bucket.objects.has(`schedules/${made.schedule}.json`), false);
  assert.ok(w.bucket.objects.has("live/manifest.json"));
  assert.match(
    w.output.stdout(),
    /Unscheduled https:\/\/data\.example\.org\/feeds\/quakes\.csv\. What it published stays served; rm site DATABASE/,
  );
  await assert.rejects(
    runUnschedule("site", URL_, {}, { clients: w.clients, output: w.output.out }),
    (error: unknown) =>
      error instanceof UserError &&
      /site has no scheduled import of https:\/\/data\.example\.org/.test(error.message) &&
      /ls site/.test(error.hint ?? ""),
  );
});
