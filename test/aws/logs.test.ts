import assert from "node:assert/strict";
import { test } from "node:test";
import { filterLogEvents, tailLogEvents, type TailItem } from "../../src/aws/logs.ts";
import { FakeLogGroup } from "../_helpers/fake-log-group.ts";

const GROUP = "/aws/lambda/site-fn";

async function collect(items: AsyncIterable<TailItem>): Promise<TailItem[]> {
  const all: TailItem[] = [];
  for await (const item of items) all.push(item);
  return all;
}

function ids(items: TailItem[]): string[] {
  return items.flatMap((item) => (item.type === "event" ? [item.event.id] : []));
}

test("one query reads every page and passes the filter through", async () => {
  const clock = { now: 100_000 };
  const group = new FakeLogGroup(clock, 2);
  group.events = ["a", "b", "c", "d", "e"].map((id, i) => ({ eventId: id, timestamp: 10_000 + i, message: `hit ${id}` }));
  const pages = [];
  for await (const page of filterLogEvents(group.client, { logGroupName: GROUP, startTime: 0, filterPattern: "hit" })) pages.push(page);
  assert.deepEqual(
    pages.map((page) => page.map((e) => e.id)),
    [["a", "b"], ["c", "d"], ["e"]],
  );
  assert.equal(group.calls.length, 3);
  assert.deepEqual(
    group.calls.map((call) => call.nextToken),
    [undefined, "2", "4"],
  );
  assert.ok(group.calls.every((call) => call.filterPattern === "hit" && call.logGroupName === GROUP));
});

test("without --follow: everything since the start, once, then stop", async () => {
  const clock = { now: 100_000 };
  const group = new FakeLogGroup(clock, 2);
  group.events = [
    { eventId: "too-old", timestamp: 1_000, message: "x" },
    { eventId: "a", timestamp: 50_000, message: "x" },
    { eventId: "b", timestamp: 60_000, message: "x" },
    { eventId: "c", timestamp: 70_000, message: "x" },
  ];
  let slept = 0;
  const items = await collect(
    tailLogEvents(group.client, GROUP, { since: 40_000, follow: false, now: () => clock.now, sleep: async () => void (slept += 1) }),
  );
  assert.deepEqual(ids(items), ["a", "b", "c"]);
  assert.equal(slept, 0);
  assert.equal(group.calls[0]?.startTime, 40_000);
});

test("following: late events inside the overlap are printed, repeats are not, pages are followed", async () => {
  const clock = { now: 100_000 };
  const group = new FakeLogGroup(clock, 2);
  group.events = [
    { eventId: "a", timestamp: 95_000, message: "a" },
    { eventId: "b", timestamp: 99_000, message: "b" },
    // Happened before "c" but arrives after it: must not be lost.
    { eventId: "late", timestamp: 101_500, message: "late", ingestedAt: 104_500 },
    { eventId: "c", timestamp: 102_000, message: "c" },
    { eventId: "d", timestamp: 103_000, message: "d" },
    { eventId: "e", timestamp: 103_500, message: "e", logStreamName: "stream-2" },
  ];
  const controller = new AbortController();
  let polls = 0;
  const sleep = async (ms: number) => {
    assert.equal(ms, 2000);
    clock.now += ms;
    polls += 1;
    if (polls === 4) controller.abort();
  };
  const items = await collect(
    tailLogEvents(group.client, GROUP, {
      since: 90_000,
      follow: true,
      now: () => clock.now,
      sleep,
      signal: controller.signal,
      overlapMs: 10_000,
    }),
  );
  assert.deepEqual(ids(items), ["a", "b", "c", "d", "e", "late"]);
  // Each later query starts 10 s before the newest event seen, so it overlaps the previous one.
  const starts = group.calls.filter((call) => !call.nextToken).map((call) => call.startTime);
  assert.deepEqual(starts, [90_000, 90_000, 92_000, 93_500]);
  assert.ok(
    group.calls.some((call) => call.nextToken),
    "pagination was used",
  );
  assert.equal(items.filter((item) => item.type === "polled").length, 4);
});

test("following a log group that does not exist yet: said once, then its events when it appears", async () => {
  const clock = { now: 100_000 };
  const group = new FakeLogGroup(clock);
  group.exists = false;
  const controller = new AbortController();
  let polls = 0;
  const items = await collect(
    tailLogEvents(group.client, GROUP, {
      since: 0,
      follow: true,
      now: () => clock.now,
      signal: controller.signal,
      sleep: async (ms) => {
        clock.now += ms;
        polls += 1;
        if (polls === 2) {
          group.exists = true;
          group.events = [{ eventId: "first", timestamp: clock.now, message: "hello" }];
        }
        if (polls === 3) controller.abort();
      },
    }),
  );
  assert.equal(items.filter((item) => item.type === "no-log-group").length, 1);
  assert.deepEqual(ids(items), ["first"]);
});

test("other errors are not swallowed", async () => {
  const group = new FakeLogGroup({ now: 0 });
  group.mock.reset();
  group.mock.rejects(
    Object.assign(new Error("User is not authorized to perform: logs:FilterLogEvents"), { name: "AccessDeniedException" }),
  );
  await assert.rejects(collect(tailLogEvents(group.client, GROUP, { since: 0, follow: true })), /not authorized/);
});

test("an abort during the sleep ends the tail normally", async () => {
  const clock = { now: 100_000 };
  const group = new FakeLogGroup(clock);
  const controller = new AbortController();
  const items = await collect(
    tailLogEvents(group.client, GROUP, {
      since: 0,
      follow: true,
      signal: controller.signal,
      // The real sleep, aborted half way: rejects with AbortError.
      pollIntervalMs: 60_000,
      now: () => clock.now,
      sleep: async (ms, signal) => {
        setTimeout(() => controller.abort(), 5);
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, ms);
          signal?.addEventListener("abort", () => {
            clearTimeout(timer);
            reject(Object.assign(new Error("aborted"), { name: "AbortError" }));
          });
        });
      },
    }),
  );
  assert.deepEqual(items, [{ type: "polled", printed: 0 }]);
});
