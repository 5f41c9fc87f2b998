import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { layerCacheKey } from "../../src/artifacts/layer.ts";
import { UserError } from "../../src/errors.ts";
import { readInstallWheels } from "../../src/inputs/install-wheels.ts";
import { tempDir } from "../_helpers/fixtures.ts";

const dir = tempDir("dl-install-wheels-");
const WHEEL = "datasette_foo-0.1-py3-none-any.whl";

test("local wheels reach the installer as absolute paths, with their content's sha256; other requirements as given", async () => {
  mkdirSync(join(dir, "dist"));
  writeFileSync(join(dir, "dist", WHEEL), "wheel bytes");
  const absolute = join(dir, "dist", WHEEL);
  const read = await readInstallWheels(
    ["datasette-cluster-map", `./dist/${WHEEL}`, `dist/${WHEEL}`, "x @ https://example.com/x-1-py3-none-any.whl"],
    dir,
  );
  assert.deepEqual(read.requirements, ["datasette-cluster-map", absolute, "x @ https://example.com/x-1-py3-none-any.whl"]);
  assert.deepEqual(read.wheels, { [absolute]: createHash("sha256").update("wheel bytes").digest("hex") });
});

test("a missing wheel, or a directory, fails naming --install PATH and how to build one", async () => {
  mkdirSync(join(dir, "dir-0.1-py3-none-any.whl"));
  for (const [path, problem] of [
    [`./missing/${WHEEL}`, /no such file/],
    ["./dir-0.1-py3-none-any.whl", /not a wheel file/],
  ] as const) {
    await assert.rejects(readInstallWheels([path], dir), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, new RegExp(`^--install ${path.replaceAll(".", "\\.")}: `));
      assert.match(error.message, problem);
      assert.ok(!error.message.includes("\n"));
      assert.match(error.hint ?? "", /pip wheel --no-deps DIR/);
      return true;
    });
  }
});

test("rewriting a wheel's bytes changes the layer's cache key", async () => {
  const path = join(dir, "rebuilt", WHEEL);
  mkdirSync(join(dir, "rebuilt"));
  const keyNow = async () => {
    const read = await readInstallWheels([path], dir);
    return layerCacheKey(
      { requirements: ["datasette==0.65.5", ...read.requirements], pythonVersion: "3.13", arch: "arm64", wheels: read.wheels },
      "3.13",
    );
  };
  writeFileSync(path, "first build");
  const first = await keyNow();
  assert.equal(await keyNow(), first);
  writeFileSync(path, "second build");
  assert.notEqual(await keyNow(), first);
});
