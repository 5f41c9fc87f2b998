// The record each scheduled import's runs leave (written by the converter
// function), read as ls shows it: the golden examples the Python side writes.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { everyText, parseScheduleState, scheduleStateKey } from "../../src/live/schedule-state.ts";

const examples = JSON.parse(
  readFileSync(new URL("../../stub/datasette_lambda/contract/schemas/scheduled-import.examples.json", import.meta.url), "utf8"),
) as { states: unknown[] };

test("the records the converter function writes are read: the last run, its reason, the last change", () => {
  const [unchanged, failed] = examples.states.map((state) => parseScheduleState(JSON.stringify(state)));
  assert.deepEqual(unchanged, {
    lastRun: { at: "2026-12-01T11:00:00Z", result: "unchanged" },
    lastChange: { at: "2026-12-01T10:00:02Z", dataAsOf: "2026-12-01T09:58:00Z" },
  });
  assert.deepEqual(failed, {
    lastRun: { at: "2026-12-01T11:30:00Z", result: "failed", reason: "HTTP 503 Service Unavailable" },
    lastChange: null,
  });
});

test("a record this version cannot read is no record; keys and expressions", () => {
  assert.equal(parseScheduleState("{"), undefined);
  assert.equal(parseScheduleState('{"format": 2}'), undefined);
  assert.deepEqual(parseScheduleState('{"format": 1, "lastRun": {"at": "x", "result": "exploded"}}'), { lastRun: null, lastChange: null });
  assert.equal(scheduleStateKey("quakes-0123456789ab"), "schedules/quakes-0123456789ab.json");
  assert.equal(everyText("rate(1 hour)"), "every 1 hour");
  assert.equal(everyText("cron(0 3 * * ? *)"), "cron(0 3 * * ? *)");
});
