import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { test } from "node:test";
import { realSleep, sleepUnlessAborted } from "../../src/util/sleep.ts";

// No clock reading: were the abort ignored, the hour-long sleep would outlast the test's timeout and fail it.
test("realSleep: an hour-long sleep returns (its timer cleared) when the signal aborts", { timeout: 60_000 }, async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 20);
  await realSleep(3_600_000, controller.signal);
  assert.equal(controller.signal.aborted, true);
  const again = new AbortController();
  setTimeout(() => again.abort(), 20);
  assert.equal(await sleepUnlessAborted(realSleep, 3_600_000, again.signal), "aborted");
});

test("sleepUnlessAborted: sleeps when not aborted, and leaves no listener behind", async () => {
  const controller = new AbortController();
  for (let i = 0; i < 3; i++) assert.equal(await sleepUnlessAborted(realSleep, 1, controller.signal), "slept");
  assert.equal(getEventListeners(controller.signal, "abort").length, 0);
  assert.equal(await sleepUnlessAborted(async () => {}, 5, AbortSignal.abort()), "aborted");
});
