import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { givenSecret } from "../../src/plan/secret.ts";

test("--secret, else DATASETTE_PUBLISH_SECRET, else none (the site keeps its own)", () => {
  assert.equal(givenSecret("flag", { DATASETTE_PUBLISH_SECRET: "env" }), "flag");
  assert.equal(givenSecret(undefined, { DATASETTE_PUBLISH_SECRET: "env" }), "env");
  assert.equal(givenSecret(undefined, {}), undefined);
});

test("an empty or oversized secret fails naming its source, never its value", () => {
  assert.throws(() => givenSecret("  ", {}), (error: unknown) => error instanceof UserError && error.message === "--secret is empty");
  assert.throws(() => givenSecret(undefined, { DATASETTE_PUBLISH_SECRET: "" }), /DATASETTE_PUBLISH_SECRET is empty/);
  const long = "x".repeat(5000);
  assert.throws(() => givenSecret(long, {}), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.ok(!`${error.message}${error.hint}`.includes("xxxx"));
    return true;
  });
});
