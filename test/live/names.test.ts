import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { isLiveName, liveNameFromFile, validateLiveName } from "../../src/live/names.ts";

test("liveNameFromFile: the file name without its extension, other characters replaced by _", () => {
  assert.equal(liveNameFromFile("/data/sales.db"), "sales");
  assert.equal(liveNameFromFile("my data.csv"), "my_data");
  assert.equal(liveNameFromFile("dir/sales.2026.sqlite"), "sales_2026");
  assert.equal(liveNameFromFile("café-ß_1.json"), "caf_-__1");
  assert.equal(liveNameFromFile("noext"), "noext");
  assert.equal(liveNameFromFile(".hidden"), "_hidden");
  for (const name of ["sales", "my_data", "sales_2026", "caf_-__1", "_hidden"]) assert.ok(isLiveName(name), name);
});

test("validateLiveName: [A-Za-z0-9_-]+ or a UserError naming where it came from, with a fixed example", () => {
  assert.equal(validateLiveName("Sales-2026_x", "--into"), "Sales-2026_x");
  for (const bad of ["", "a b", "a/b", "a.db", "ünï"]) {
    assert.throws(
      () => validateLiveName(bad, "--into"),
      (error: unknown) => error instanceof UserError && error.message.startsWith(`--into "${bad}"`),
    );
  }
  assert.throws(() => validateLiveName("a b", "DB"), { hint: "e.g. a_b" });
});
