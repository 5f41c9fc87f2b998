// --fts and --encoding as the site keeps them (the app stack's ConvertSettings
// parameter), checked against the golden examples the Python reader is tested
// against too (stub/tests/test_convert_settings.py).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { convertSettingsParameter, parseConvertSettings, validateFts, type ConvertSettings } from "../../src/plan/convert-settings.ts";
import { UserError } from "../../src/errors.ts";

interface Examples {
  valid: Array<{ flags: Partial<ConvertSettings>; text: string; settings: ConvertSettings }>;
  readOnly: Array<{ text: string; settings: ConvertSettings }>;
  invalid: Array<{ text: string; why: string }>;
}

const examples = JSON.parse(
  readFileSync(new URL("../../stub/datasette_lambda/contract/schemas/convert-settings.examples.json", import.meta.url), "utf8"),
) as Examples;

test("the writer makes the golden texts of the flags, and reads each back", () => {
  assert.ok(examples.valid.length >= 4);
  for (const { flags, text, settings } of examples.valid) {
    assert.equal(convertSettingsParameter({ fts: flags.fts ?? [], encoding: flags.encoding ?? null }), text);
    assert.deepEqual(parseConvertSettings(text), settings);
  }
  for (const { text, settings } of examples.readOnly) assert.deepEqual(parseConvertSettings(text), settings, text);
});

test("a parameter no datasette-lambda writes is refused with the fix", () => {
  for (const { text, why } of examples.invalid) {
    assert.throws(
      () => parseConvertSettings(text),
      (error: unknown) => error instanceof UserError && /ConvertSettings/.test(error.message) && /update-stack/.test(error.hint ?? ""),
      why,
    );
  }
});

test("--fts: each column once (SQLite ignores case), in the order given; an empty name is refused", () => {
  assert.deepEqual(validateFts(undefined), []);
  assert.deepEqual(validateFts(["title", "body", "Title"]), ["title", "body"]);
  assert.throws(
    () => validateFts(["title", " "]),
    (error: unknown) => error instanceof UserError && error.message === "--fts needs a column name",
  );
});
