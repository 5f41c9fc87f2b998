import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { parseSettings } from "../../src/plan/settings.ts";

function rejects(fn: () => unknown, message: RegExp, hint?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.match(error.message, message);
    if (hint) assert.match(error.hint ?? "", hint);
    return true;
  });
}

test("--setting NAME VALUE is typed as --config is, and wins over it", () => {
  assert.deepEqual(
    parseSettings(
      ["sql_time_limit_ms:1000", "allow_facet:on"],
      [
        ["sql_time_limit_ms", "3500"],
        ["suggest_facets", "off"],
        ["default_page_size", "7"],
      ],
    ),
    { sql_time_limit_ms: 3500, allow_facet: true, suggest_facets: false, default_page_size: 7 },
  );
});

test("bad --setting values fail naming --setting, with an example in its own spelling", () => {
  rejects(() => parseSettings([], [["no_such", "1"]]), /^--setting no_such 1: "no_such" is not a Datasette setting/);
  rejects(
    () => parseSettings([], [["sql_time_limit_ms", "fast"]]),
    /^--setting sql_time_limit_ms takes a whole number/,
    /e\.g\. --setting sql_time_limit_ms 1000/,
  );
  rejects(
    () => parseSettings([], [["allow_download", "maybe"]]),
    /^--setting allow_download takes on or off/,
    /e\.g\. --setting allow_download off/,
  );
  rejects(() => parseSettings([], [["base_url", "/x/"]]), /--setting base_url is set by --prefix/);
  rejects(
    () => parseSettings(["sql_time_limit_ms:fast"]),
    /^--config sql_time_limit_ms takes a whole number/,
    /--config sql_time_limit_ms:1000/,
  );
});
