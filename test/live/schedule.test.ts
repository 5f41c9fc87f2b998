// schedule's flags → the EventBridge Scheduler schedule and the event it sends,
// checked against the golden examples the converter function is tested against
// too (stub/tests/test_scheduled_import.py).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import {
  checkSourceUrl,
  databaseFromUrl,
  displayUrl,
  parseEvery,
  parseScheduledEvent,
  scheduleDefinition,
  scheduleName,
  type ScheduleFlags,
} from "../../src/live/schedule.ts";

interface Examples {
  events: { valid: Array<{ flags: ScheduleFlags & { url: string }; event: Record<string, unknown> }> };
}

const examples = JSON.parse(
  readFileSync(new URL("../../stub/datasette_lambda/contract/schemas/scheduled-import.examples.json", import.meta.url), "utf8"),
) as Examples;
const userError = (pattern: RegExp) => (error: unknown) => error instanceof UserError && pattern.test(error.message);

test("the event of each golden example is what the flags make, and reads back", () => {
  assert.ok(examples.events.valid.length >= 2);
  for (const { flags, event } of examples.events.valid) {
    const definition = scheduleDefinition(flags.url, flags);
    assert.deepEqual(definition.event, event);
    assert.equal(definition.name, event.schedule);
    assert.deepEqual(parseScheduledEvent(JSON.stringify(definition.event)), { url: event.url, database: event.database });
  }
  assert.equal(parseScheduledEvent('{"source": "aws.s3"}'), undefined);
  assert.equal(parseScheduledEvent("not json"), undefined);
});

test("--every: minutes, hours or days as Scheduler's rate expressions; anything else refused naming the flag", () => {
  assert.deepEqual(parseEvery("1h"), { expression: "rate(1 hour)", seconds: 3600 });
  assert.deepEqual(parseEvery("30m"), { expression: "rate(30 minutes)", seconds: 1800 });
  assert.deepEqual(parseEvery("2 days"), { expression: "rate(2 days)", seconds: 172800 });
  assert.deepEqual(parseEvery("1min"), { expression: "rate(1 minute)", seconds: 60 });
  assert.throws(() => parseEvery(undefined), userError(/^schedule needs --every/));
  for (const bad of ["0h", "1.5h", "hourly", "10s", "-1d", ""]) {
    assert.throws(() => parseEvery(bad), userError(/^--every ".*" is not an interval/), bad);
  }
  assert.throws(() => parseEvery("400d"), userError(/longer than a year/));
});

test("URLs: http(s) only, no credentials; what the site shows has no query string", () => {
  assert.equal(checkSourceUrl("https://example.org/a.csv").href, "https://example.org/a.csv");
  assert.throws(() => checkSourceUrl("ftp://example.org/a.csv"), userError(/^ftp: URLs cannot be scheduled: only http and https$/));
  assert.throws(() => checkSourceUrl("file:///etc/passwd"), userError(/only http and https/));
  assert.throws(() => checkSourceUrl("example.org/a.csv"), userError(/is not a URL/));
  assert.throws(() => checkSourceUrl("https://me:pw@example.org/a.csv"), userError(/user name or password/));
  assert.equal(displayUrl(new URL("https://example.org:8443/a/b.csv?key=s3cr3t#top")), "https://example.org:8443/a/b.csv");
});

test("the database is named after the URL's file, or --into; none, or Datasette's own, is refused", () => {
  assert.equal(databaseFromUrl(new URL("https://x.org/data/Quakes%202026.csv")), "Quakes_2026");
  assert.equal(databaseFromUrl(new URL("https://x.org/api/v1/items?format=json")), "items");
  assert.equal(databaseFromUrl(new URL("https://x.org/")), null);
  assert.throws(() => scheduleDefinition("https://x.org/", { every: "1h" }), userError(/has no file name to name its database after/));
  assert.equal(scheduleDefinition("https://x.org/", { every: "1h", into: "home" }).database, "home");
  assert.throws(
    () => scheduleDefinition("https://x.org/a.csv", { every: "1h", into: "my data" }),
    userError(/^--into: "my data" is not a database name/),
  );
  assert.throws(() => scheduleDefinition("https://x.org/_internal.csv", { every: "1h" }), userError(/Datasette's own database/));
});

test("a schedule's name comes from its URL alone: the same URL whatever --into says, another URL another name", () => {
  const a = scheduleDefinition("https://x.org/a.csv", { every: "1h" });
  const b = scheduleDefinition("https://x.org/a.csv", { every: "1d", into: "other", fts: ["title"] });
  assert.equal(a.name, b.name);
  assert.match(a.name, /^a-[0-9a-f]{12}$/);
  assert.notEqual(scheduleName("https://x.org/a.csv?page=2"), a.name);
  const long = scheduleName(`https://x.org/${"z".repeat(200)}.csv`);
  assert.ok(long.length <= 64 && /^[0-9A-Za-z_.-]+$/.test(long), long);
  assert.equal(scheduleName("https://x.org/"), `import-${scheduleName("https://x.org/").slice(-12)}`);
});
