import assert from "node:assert/strict";
import { test } from "node:test";
import { plural } from "../../src/util/plural.ts";

test("one is singular, anything else takes an s", () => {
  assert.equal(plural(1, "file"), "1 file");
  assert.equal(plural(0, "file"), "0 files");
  assert.equal(plural(3, "unused artifact"), "3 unused artifacts");
});
