import assert from "node:assert/strict";
import { resolve } from "node:path";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { parseAssets, parseStaticMount } from "../../src/plan/assets.ts";

test("--static MOUNT:DIR: the mount without slashes, the directory made absolute", () => {
  assert.deepEqual(parseStaticMount("assets:./static"), { mount: "assets", dir: resolve("static") });
  assert.deepEqual(parseStaticMount("/docs/v1/:/srv/docs"), { mount: "docs/v1", dir: "/srv/docs" });
  // Only the first colon splits (a Windows-style or odd directory keeps its own).
  assert.deepEqual(parseStaticMount("a:/d:e"), { mount: "a", dir: "/d:e" });
});

test("bad --static values fail naming --static, with an example", () => {
  for (const [value, message] of [
    ["static", /--static "static" is not MOUNT:DIR/],
    [":./static", /"" is not a URL path/],
    ["a b:./static", /"a b" is not a URL path/],
    ["../up:./static", /"..\/up" is not a URL path/],
    ["assets:", /names no directory/],
  ] as const) {
    assert.throws(
      () => parseStaticMount(value),
      (error: unknown) => {
        assert.ok(error instanceof UserError);
        assert.match(error.message, message);
        assert.match(error.hint ?? "", /--static assets:\.\/static/);
        return true;
      },
    );
  }
  assert.throws(() => parseAssets({ static: ["a:x", "a:y"] }), /the mount "a" is given twice/);
});

test("--plugins-dir and --template-dir are made absolute; nothing given, nothing copied", () => {
  assert.deepEqual(parseAssets({}), { pluginsDir: null, templateDir: null, staticMounts: [] });
  assert.deepEqual(parseAssets({ pluginsDir: "p", templateDir: "/t" }), { pluginsDir: resolve("p"), templateDir: "/t", staticMounts: [] });
});
