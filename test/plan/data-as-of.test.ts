import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { dataAsOfFromSources, isoSeconds, validateDataAsOf } from "../../src/plan/data-as-of.ts";

test("times are UTC to the second, rounded down; several sources give the newest", () => {
  assert.equal(isoSeconds(Date.parse("2026-12-01T10:00:00.999Z")), "2026-12-01T10:00:00Z");
  assert.equal(dataAsOfFromSources([Date.parse("2026-01-01T00:00:00Z"), Date.parse("2026-06-01T12:30:00Z")]), "2026-06-01T12:30:00Z");
});

test("--data-as-of takes ISO 8601 dates and times with a zone, normalised to UTC seconds", () => {
  assert.equal(validateDataAsOf(undefined), null);
  assert.equal(validateDataAsOf("2026-12-01"), "2026-12-01T00:00:00Z");
  assert.equal(validateDataAsOf("2026-12-01T10:00:00Z"), "2026-12-01T10:00:00Z");
  assert.equal(validateDataAsOf("2026-12-01T10:00Z"), "2026-12-01T10:00:00Z");
  assert.equal(validateDataAsOf("2026-12-01T10:00:00.5+02:00"), "2026-12-01T08:00:00Z");
  assert.equal(validateDataAsOf("2026-12-01T01:00:00-0330"), "2026-12-01T04:30:00Z");
});

test("--data-as-of refuses what is not a real, unambiguous time", () => {
  const cases: Array<[string, RegExp]> = [
    ["yesterday", /--data-as-of "yesterday" is not an ISO 8601 date or time/],
    ["2026/12/01", /not an ISO 8601 date or time/],
    ["2026-12-01T10:00:00", /has a time but no time zone/],
    ["2026-02-30", /is not a real date or time/],
    ["2026-12-01T24:00:00Z", /is not a real date or time/],
    ["2026-12-01T10:00:00+15:00", /impossible time zone offset/],
  ];
  for (const [value, pattern] of cases) {
    assert.throws(
      () => validateDataAsOf(value),
      (error: unknown) => error instanceof UserError && pattern.test(error.message) && /e\.g\./.test(error.hint ?? ""),
      value,
    );
  }
});
