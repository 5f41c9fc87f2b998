import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { givenSecret } from "../../src/plan/secret.ts";

test("--secret, else DATASETTE_PUBLISH_SECRET, else none (the site keeps its own)", () => {
  assert.equal(givenSecret("flag-0123456789abcdef", { DATASETTE_PUBLISH_SECRET: "env-0123456789abcdef" }), "flag-0123456789abcdef");
  assert.equal(givenSecret(undefined, { DATASETTE_PUBLISH_SECRET: "env-0123456789abcdef" }), "env-0123456789abcdef");
  assert.equal(givenSecret(undefined, {}), undefined);
});

test("an empty or oversized secret fails naming its source, never its value", () => {
  assert.throws(
    () => givenSecret("  ", {}),
    (error: unknown) => error instanceof UserError && error.message === "--secret is empty",
  );
  assert.throws(() => givenSecret(undefined, { DATASETTE_PUBLISH_SECRET: "" }), /DATASETTE_PUBLISH_SECRET is empty/);
  assert.throws(() => givenSecret("short-secret", {}), /--secret is shorter than 16 characters/);
  const long = "x".repeat(5000);
  assert.throws(
    () => givenSecret(long, {}),
    (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.ok(!`${error.message}${error.hint}`.includes("xxxx"));
      return true;
    },
  );
});
