import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidArgumentError } from "commander";
import { UserError } from "../src/errors.ts";
import { collectGroup, groupMultiValueOptions } from "../src/multi-value-options.ts";

test("each --setting and its two values become one argument; the rest is untouched", () => {
  assert.deepEqual(
    groupMultiValueOptions(["node", "cli", "update-stack", "s", "--setting", "a", "1", "x.db", "--setting", "b", "--odd", "--cors"]),
    ["node", "cli", "update-stack", "s", '--setting=["a","1"]', "x.db", '--setting=["b","--odd"]', "--cors"],
  );
  assert.deepEqual(groupMultiValueOptions(["--plugin-secret", "p", "k", "v"]), ['--plugin-secret=["p","k","v"]']);
  assert.deepEqual(groupMultiValueOptions(["--", "--setting", "a"]), ["--", "--setting", "a"]);
});

test("too few values fail naming the flag, with an example", () => {
  assert.throws(
    () => groupMultiValueOptions(["--setting", "a"]),
    (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.equal(error.message, "--setting takes 2 values");
      assert.match(error.hint ?? "", /--setting sql_time_limit_ms 3500/);
      return true;
    },
  );
  assert.throws(() => groupMultiValueOptions(["--plugin-secret", "p", "k", "--", "v"]), /--plugin-secret takes 3 values/);
});

test("the option's parser decodes and collects the groups", () => {
  const parse = collectGroup("--setting");
  assert.deepEqual(parse('["b","2"]', parse('["a","1"]')), [
    ["a", "1"],
    ["b", "2"],
  ]);
  assert.throws(() => parse("a"), InvalidArgumentError);
  assert.throws(() => parse('["a"]'), InvalidArgumentError);
});
