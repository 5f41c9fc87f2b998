import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { createOutput, isInteractive } from "../../src/ui/output.ts";

function capture() {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk) => (text += chunk));
  return { stream, text: () => text };
}

test("interactive only on a sized TTY outside CI", () => {
  assert.equal(isInteractive({ isTTY: true, columns: 80 }, {}), true);
  assert.equal(isInteractive({ isTTY: true, columns: 80 }, { CI: "true" }), false);
  assert.equal(isInteractive({ isTTY: false, columns: 80 }, {}), false);
  assert.equal(isInteractive({ isTTY: true, columns: 0 }, {}), false, "ora loops forever at 0 columns");
});

test("result goes to stdout (JSON with --json), progress to stderr, plain when piped", async () => {
  const stdout = capture();
  const stderr = capture();
  const out = createOutput({ stdout: stdout.stream, stderr: stderr.stream, env: {} });
  out.info("working");
  await out.task("Building", async (update) => update("half"));
  out.result("https://example.net/", { url: "https://example.net/" });
  assert.equal(stdout.text(), "https://example.net/\n");
  assert.equal(stderr.text(), "working\nBuilding...\n");

  const json = capture();
  createOutput({ json: true, stdout: json.stream, stderr: capture().stream, env: {} }).result("ignored", { a: 1 });
  assert.deepEqual(JSON.parse(json.text()), { a: 1 });
});

test("--quiet keeps warnings; NO_COLOR and pipes get no escape codes", () => {
  const stderr = capture();
  const out = createOutput({
    quiet: true,
    stderr: Object.assign(stderr.stream, { isTTY: true, columns: 80 }),
    stdout: capture().stream,
    env: { NO_COLOR: "1" },
  });
  out.info("hidden");
  out.warn("careful");
  assert.equal(stderr.text(), "warning: careful\n");
  assert.equal(out.colors.red("x"), "x");
});
