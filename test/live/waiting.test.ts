import assert from "node:assert/strict";
import { test } from "node:test";
import { waitingFiles, WAITING_AFTER_MS } from "../../src/live/waiting.ts";
import { parseTemplate, readTemplate } from "../../src/templates.ts";

const NOW = Date.parse("2026-12-01T12:00:00Z");
const ago = (minutes: number) => new Date(NOW - minutes * 60_000);

test("waitingFiles: incoming/ files older than the threshold, by key; younger ones and folders are not", () => {
  const objects = [
    { key: "incoming/z.csv", lastModified: ago(45) },
    { key: "incoming/team/a.json", lastModified: ago(31) },
    { key: "incoming/new.csv", lastModified: ago(2) }, // being converted
    { key: "incoming/just-under.csv", lastModified: new Date(NOW - WAITING_AFTER_MS + 1) },
    { key: "incoming/", lastModified: ago(600) }, // a console "folder": the converter ignores it
    { key: "incoming/team/", lastModified: ago(600) },
    { key: "incoming/no-date.csv" },
  ];
  assert.deepEqual(waitingFiles(objects, NOW), [
    { key: "incoming/team/a.json", since: "2026-12-01T11:29:00Z" },
    { key: "incoming/z.csv", since: "2026-12-01T11:15:00Z" },
  ]);
  assert.deepEqual(
    waitingFiles([{ key: "incoming/x.csv", lastModified: new Date(NOW - WAITING_AFTER_MS) }], NOW).map((f) => f.key),
    ["incoming/x.csv"],
    "from the threshold on",
  );
});

test("the threshold is past the converter function's timeout: a file older than that is not being converted", async () => {
  // Lambda ends an invocation at its timeout, and the converter's is never retried
  // (templates/app.yaml: ConverterInvokeConfig, MaximumRetryAttempts 0).
  const app = parseTemplate(await readTemplate("app"));
  const timeoutMs = (app.Resources.ConverterFunction!.Properties!.Timeout as number) * 1000;
  assert.ok(WAITING_AFTER_MS > timeoutMs, `${WAITING_AFTER_MS} ms should exceed the converter's ${timeoutMs} ms`);
  assert.equal(app.Resources.ConverterInvokeConfig?.Properties?.MaximumRetryAttempts, 0);
});
