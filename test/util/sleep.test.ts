import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { test } from "node:test";
import { realSleep, sleepUnlessAborted } from "../../src/util/sleep.ts";

test("sleepUnlessAborted: a real 10 s sleep ends as soon as the signal aborts", async () => {
  const controller = new AbortController();
  const started = Date.now();
  setTimeout(() => controller.abort(), 20);
  assert.equal(await sleepUnlessAborted(realSleep, 10_000, controller.signal), "aborted");
  assert.ok(Date.now() - started < 2000);
});

test("sleepUnlessAborted: sleeps when not aborted, and leaves no listener behind", async () => {
  const controller = new AbortController();
  for (let i = 0; i < 3; i++) assert.equal(await sleepUnlessAborted(realSleep, 1, controller.signal), "slept");
  assert.equal(getEventListeners(controller.signal, "abort").length, 0);
  assert.equal(await sleepUnlessAborted(async () => {}, 5, AbortSignal.abort()), "aborted");
});
