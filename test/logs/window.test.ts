import assert from "node:assert/strict";
import { test } from "node:test";
import type { LogEvent } from "../../src/logs/event.ts";
import { FollowWindow } from "../../src/logs/window.ts";

const e = (id: string, timestamp: number): LogEvent => ({ id, timestamp, stream: "s", message: id });

test("an event is new once; a repeat from an overlapping query is not", () => {
  const window = new FollowWindow(0);
  assert.equal(window.accept(e("a", 1000)), true);
  assert.equal(window.accept(e("a", 1000)), false);
  assert.equal(window.accept(e("b", 1000)), true, "same timestamp, different id: both printed");
});

test("the next query starts the overlap before the newest event, never before --since", () => {
  const window = new FollowWindow(50_000, { overlapMs: 10_000, maxLookbackMs: 300_000 });
  assert.equal(window.start, 50_000);
  window.accept(e("a", 55_000));
  window.advance(60_000);
  assert.equal(window.start, 50_000, "55 s - 10 s overlap is before --since");
  window.accept(e("b", 100_000));
  window.advance(101_000);
  assert.equal(window.start, 90_000);
});

test("ids older than the window are forgotten; ids inside it are kept", () => {
  const window = new FollowWindow(0, { overlapMs: 10_000 });
  window.accept(e("old", 1_000));
  window.accept(e("edge", 95_000));
  window.accept(e("new", 100_000));
  window.advance(100_500);
  assert.equal(window.start, 90_000);
  assert.equal(window.remembered, 2);
  assert.equal(window.accept(e("edge", 95_000)), false, "still inside the window: still a repeat");
});

test("a quiet log does not make every poll re-read the whole --since window", () => {
  const window = new FollowWindow(0, { overlapMs: 10_000, maxLookbackMs: 300_000 });
  window.accept(e("a", 1_000));
  window.advance(3_600_000);
  assert.equal(window.start, 3_300_000);
});

test("the start never moves back", () => {
  const window = new FollowWindow(0, { overlapMs: 10_000, maxLookbackMs: 300_000 });
  window.advance(1_000_000);
  const start = window.start;
  window.accept(e("late", 650_000));
  window.advance(1_000_100);
  assert.ok(window.start >= start);
});
