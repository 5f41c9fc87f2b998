import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { parseMetadata, readMetadata } from "../../src/inputs/metadata.ts";
import { tempDir } from "../_helpers/fixtures.ts";

const dir = tempDir();

test("JSON and YAML metadata parse to the same object", async () => {
  writeFileSync(join(dir, "m.json"), '{"title": "My data", "databases": {"f": {"tables": {"t": {"hidden": true}}}}}');
  writeFileSync(join(dir, "m.yml"), "title: My data\ndatabases:\n  f:\n    tables:\n      t:\n        hidden: true\n");
  assert.deepEqual(await readMetadata(join(dir, "m.json")), await readMetadata(join(dir, "m.yml")));
  assert.deepEqual(await readMetadata(undefined), {});
});

test("unreadable, invalid or non-object metadata is named with --metadata", async () => {
  await assert.rejects(
    readMetadata(join(dir, "missing.yml")),
    (e: unknown) => e instanceof UserError && /--metadata .*missing\.yml: cannot be read \(no such file\)/.test(e.message),
  );
  assert.throws(
    () => parseMetadata("{nope", "m.json"),
    (e: unknown) => e instanceof UserError && /--metadata m\.json: not valid JSON/.test(e.message),
  );
  assert.throws(
    () => parseMetadata("a: [b", "m.yaml"),
    (e: unknown) => e instanceof UserError && /not valid YAML/.test(e.message),
  );
  assert.throws(
    () => parseMetadata("- a\n- b\n", "m.yaml"),
    (e: unknown) => e instanceof UserError && /object at the top level/.test(e.message),
  );
});
