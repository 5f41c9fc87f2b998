import assert from "node:assert/strict";
import { test } from "node:test";
import {
  isBucketMissingError,
  isNoUpdatesError,
  isObjectMissingError,
  isStackBusyError,
  isStackExistsError,
  isStackMissingError,
} from "../../src/aws/tolerated-errors.ts";

function awsError(name: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

test("no updates: ValidationError with the stable message only", () => {
  assert.equal(isNoUpdatesError(awsError("ValidationError", "No updates are to be performed.")), true);
  assert.equal(isNoUpdatesError(awsError("ValidationError", "Template format error: unresolved resource")), false);
  // The same words under another error name are not the benign case.
  assert.equal(isNoUpdatesError(awsError("AccessDenied", "No updates are to be performed.")), false);
  assert.equal(isNoUpdatesError("No updates are to be performed."), false);
});

test("missing stack: AWS and moto wordings", () => {
  assert.equal(isStackMissingError(awsError("ValidationError", "Stack with id site does not exist")), true);
  assert.equal(isStackMissingError(awsError("ValidationError", "Stack [site] does not exist")), true);
  assert.equal(isStackMissingError(awsError("ValidationError", "Parameter X does not match")), false);
  assert.equal(isStackMissingError(awsError("Throttling", "Rate exceeded")), false);
});

test("missing object: HeadObject's bare 404", () => {
  assert.equal(isObjectMissingError(awsError("NotFound", "", 404)), true);
  assert.equal(isObjectMissingError(awsError("UnknownError", "", 404)), true);
  assert.equal(isObjectMissingError(awsError("Forbidden", "", 403)), false);
});

test("a missing bucket: NoSuchBucket, HeadBucket's bare 404, but never AccessDenied", () => {
  const error = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
  assert.equal(isBucketMissingError(error("NoSuchBucket", 404)), true);
  assert.equal(isBucketMissingError(error("NotFound", 404)), true);
  assert.equal(isBucketMissingError(error("UnknownError", 404)), true);
  assert.equal(isBucketMissingError(error("AccessDenied", 403)), false);
  assert.equal(isBucketMissingError(error("AccessDenied", 404)), false);
  assert.equal(isBucketMissingError("NoSuchBucket"), false);
});

test("a stack busy with another operation, or created by another run meanwhile", () => {
  const arn = "arn:aws:cloudformation:eu-west-1:123456789012:stack/site-lambda/0a1b";
  assert.equal(isStackBusyError(awsError("ValidationError", `Stack:${arn} is in UPDATE_IN_PROGRESS state and can not be updated.`)), true);
  assert.equal(
    isStackBusyError(awsError("ValidationError", `Stack:${arn} is in UPDATE_COMPLETE_CLEANUP_IN_PROGRESS state and can not be updated.`)),
    true,
  );
  // A failed stack is not busy: waiting would never end.
  assert.equal(isStackBusyError(awsError("ValidationError", `Stack:${arn} is in ROLLBACK_COMPLETE state and can not be updated.`)), false);
  assert.equal(isStackBusyError(awsError("ValidationError", "No updates are to be performed.")), false);
  assert.equal(isStackExistsError(awsError("AlreadyExistsException", "Stack [site-lambda] already exists")), true);
  assert.equal(isStackExistsError(awsError("ValidationError", "already exists")), false);
});
