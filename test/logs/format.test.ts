import assert from "node:assert/strict";
import { test } from "node:test";
import { Chalk } from "chalk";
import type { LogEvent } from "../../src/logs/event.ts";
import { EventDescriber, eventJson, renderEvent } from "../../src/logs/format.ts";

const ID = "8f5a1b2c-1111-2222-3333-444455556666";
const OTHER = "0badf00d-1111-2222-3333-444455556666";
const T = Date.parse("2026-03-01T12:00:00.000Z");
const plain = new Chalk({ level: 0 });
const colour = new Chalk({ level: 1 });
const RED = "\u001b[31m";

let counter = 0;
function event(message: string, stream = "2026/03/01/[$LATEST]aaa", timestamp = T): LogEvent {
  counter += 1;
  return { id: String(counter), timestamp, stream, message };
}

function render(describer: EventDescriber, e: LogEvent, colors = plain): string | undefined {
  return renderEvent(e, describer.describe(e), colors);
}

test("a plain print() line gets the request id of the invocation running in its stream", () => {
  const d = new EventDescriber();
  assert.equal(render(d, event(`START RequestId: ${ID} Version: $LATEST\n`)), "2026-03-01T12:00:00.000Z 8f5a1b2c START");
  assert.equal(render(d, event("GET / 200\n")), "2026-03-01T12:00:00.000Z 8f5a1b2c GET / 200");
  // Another execution environment (stream) has no invocation known: no id.
  assert.equal(render(d, event("hello\n", "other-stream")), "2026-03-01T12:00:00.000Z          hello");
  assert.equal(render(d, event(`END RequestId: ${ID}\n`)), undefined, "END lines are dropped: REPORT follows");
  assert.equal(
    render(d, event(`REPORT RequestId: ${ID}\tDuration: 5.2 ms\tBilled Duration: 6 ms\tMemory Size: 1024 MB\tMax Memory Used: 90 MB\t\n`)),
    "2026-03-01T12:00:00.000Z 8f5a1b2c REPORT 5 ms (billed 6 ms) mem 90/1024 MB",
  );
  // After REPORT the invocation is over.
  assert.equal(render(d, event("background noise\n")), "2026-03-01T12:00:00.000Z          background noise");
});

test("Lambda's logging prefix is folded into the columns, keeping the level", () => {
  const d = new EventDescriber();
  const e = event(`[INFO]\t2026-03-01T12:00:00.000Z\t${OTHER}\tloaded 3 databases\n`);
  const described = d.describe(e);
  assert.equal(described.requestId, OTHER);
  assert.equal(described.kind, "message");
  assert.equal(renderEvent(e, described, plain), "2026-03-01T12:00:00.000Z 0badf00d [INFO] loaded 3 databases");
});

test("errors, timeouts and tracebacks are red; ordinary lines are not", () => {
  const d = new EventDescriber();
  const error = render(d, event(`[ERROR]\t2026-03-01T12:00:00.000Z\t${ID}\tboom\n`), colour)!;
  assert.ok(error.includes(`${RED}[ERROR] boom`), JSON.stringify(error));
  const timeout = render(d, event(`2026-03-01T12:00:03.000Z ${ID} Task timed out after 3.00 seconds\n`), colour)!;
  assert.ok(timeout.includes(`${RED}Task timed out`), JSON.stringify(timeout));
  assert.ok(timeout.includes("8f5a1b2c"));
  const ordinary = render(d, event("GET /fixtures 200\n"), colour)!;
  assert.ok(!ordinary.includes(RED), JSON.stringify(ordinary));
});

test("a traceback printed line by line is red to its exception line, then not", () => {
  const d = new EventDescriber();
  const kinds = [
    "Traceback (most recent call last):\n",
    '  File "/var/task/handler.py", line 3, in handler\n',
    "    raise ValueError('x')\n",
    "ValueError: x\n",
    "GET / 200\n",
  ].map((message) => d.describe(event(message)).kind);
  assert.deepEqual(kinds, ["error", "error", "error", "error", "message"]);
});

test("a traceback in one event (\\r separated) is one red multi-line entry, aligned", () => {
  const d = new EventDescriber();
  const e = event(`[ERROR] ValueError: x\rTraceback (most recent call last):\r  File "/var/task/handler.py", line 3\n`);
  const line = render(d, e)!;
  const lines = line.split("\n");
  assert.equal(lines.length, 3);
  assert.equal(lines[0], "2026-03-01T12:00:00.000Z          [ERROR] ValueError: x");
  assert.equal(lines[1], `${" ".repeat(34)}Traceback (most recent call last):`);
  assert.equal(d.describe(e).kind, "error");
  // The traceback ended inside that event: the next line is ordinary.
  assert.equal(d.describe(event("GET / 200\n")).kind, "message");
});

test("a REPORT with a failure status is red", () => {
  const d = new EventDescriber();
  const line = render(
    d,
    event(
      `REPORT RequestId: ${ID}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\t` +
        "Memory Size: 128 MB\tMax Memory Used: 60 MB\tStatus: timeout",
    ),
    colour,
  )!;
  assert.ok(line.includes(`${RED}REPORT 3000 ms`), JSON.stringify(line));
});

test("platform lines are dimmed, not dropped", () => {
  const d = new EventDescriber();
  const line = render(d, event("INIT_START Runtime Version: python:3.13.v31\tRuntime Version ARN: arn:aws:lambda:x\n"), colour)!;
  assert.ok(line.includes("INIT_START"));
  assert.ok(line.startsWith("\u001b[2m"), JSON.stringify(line));
});

test("JSON: one object per event with timestamp, stream, request id, message and the parsed report", () => {
  const d = new EventDescriber();
  const start = event(`START RequestId: ${ID} Version: $LATEST\n`);
  assert.deepEqual(eventJson(start, d.describe(start)), {
    timestamp: "2026-03-01T12:00:00.000Z",
    stream: start.stream,
    requestId: ID,
    message: `START RequestId: ${ID} Version: $LATEST`,
  });
  const lonely = event("hello\n", "s2");
  assert.equal(eventJson(lonely, d.describe(lonely)).requestId, null);
  const report = event(
    `REPORT RequestId: ${ID}\tDuration: 5 ms\tBilled Duration: 5 ms\tMemory Size: 1024 MB\tMax Memory Used: 90 MB\tInit Duration: 700 ms\t`,
  );
  const json = eventJson(report, d.describe(report));
  assert.equal(json.report?.initDurationMs, 700);
  assert.equal(json.report?.maxMemoryUsedMb, 90);
});
