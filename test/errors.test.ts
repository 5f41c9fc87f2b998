import assert from "node:assert/strict";
import { test } from "node:test";
import { AwsError, DeployError, InterruptedError, UserError } from "../src/errors.ts";

test("InterruptedError is a user error with exit code 130", () => {
  const error = new InterruptedError("stopped");
  assert.ok(error instanceof UserError);
  assert.equal(error.exitCode, 130);
});

test("addHint puts advice before the hint and leaves the error otherwise as thrown", () => {
  const cause = new Error("from the SDK");
  const error = new AwsError("Uploading failed: Access Denied", { resource: "bucket-1", hint: "Use another profile.", cause });
  const stack = error.stack;
  assert.equal(error.addHint("sales is published; the rest is not."), error);
  assert.equal(error.hint, "sales is published; the rest is not. Use another profile.");
  assert.ok(error instanceof AwsError);
  assert.equal(error.resource, "bucket-1");
  assert.equal(error.message, "Uploading failed: Access Denied");
  assert.equal(error.cause, cause);
  assert.equal(error.stack, stack);
});

test("addHint on an error without a hint makes the advice the hint; fields of subclasses stay", () => {
  const reasons = [{ logicalId: "Bucket", type: "AWS::S3::Bucket", status: "DELETE_FAILED", reason: "not empty" }];
  const error = new DeployError("Deleting stack site failed", { resource: "site", reasons });
  assert.equal(error.hint, undefined);
  error.addHint("Empty the bucket.");
  assert.equal(error.hint, "Empty the bucket.");
  assert.deepEqual(error.reasons, reasons);
  assert.equal(new InterruptedError("stopped").addHint("Run it again.").exitCode, 130);
});
