import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { describeSince, parseSince } from "../../src/logs/since.ts";

const NOW = Date.parse("2026-03-01T12:00:00.000Z");

test("durations count back from now", () => {
  assert.equal(parseSince("30s", NOW), NOW - 30_000);
  assert.equal(parseSince("10m", NOW), NOW - 600_000);
  assert.equal(parseSince("1h", NOW), NOW - 3_600_000);
  assert.equal(parseSince("2d", NOW), NOW - 2 * 86_400_000);
  assert.equal(parseSince("1w", NOW), NOW - 7 * 86_400_000);
  assert.equal(parseSince("1.5h", NOW), NOW - 5_400_000);
  assert.equal(parseSince("10M", NOW), NOW - 600_000);
});

test("ISO times are taken as they are", () => {
  assert.equal(parseSince("2026-03-01T11:00:00Z", NOW), Date.parse("2026-03-01T11:00:00Z"));
  assert.equal(parseSince("2026-02-28", NOW), Date.parse("2026-02-28"));
});

test("bad values are user errors with examples", () => {
  for (const bad of ["", "10", "ten minutes", "10x", "May", "2026-13-45T99:00:00Z", "-5m"]) {
    assert.throws(
      () => parseSince(bad, NOW),
      (error: unknown) => error instanceof UserError && /--since/.test(error.message) && /10m/.test(error.hint ?? ""),
      bad,
    );
  }
});

test("a time in the future is refused", () => {
  assert.throws(() => parseSince("2027-01-01T00:00:00Z", NOW), /in the future/);
});

test("describeSince reads well", () => {
  assert.equal(describeSince("10m"), "10 minutes ago");
  assert.equal(describeSince("1h"), "1 hour ago");
  assert.equal(describeSince("2026-03-01T11:00:00Z"), "2026-03-01T11:00:00Z");
});
