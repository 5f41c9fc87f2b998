import assert from "node:assert/strict";
import { test } from "node:test";
import { InterruptedError, UserError } from "../src/errors.ts";

test("InterruptedError is a user error with exit code 130", () => {
  const error = new InterruptedError("stopped");
  assert.ok(error instanceof UserError);
  assert.equal(error.exitCode, 130);
});
