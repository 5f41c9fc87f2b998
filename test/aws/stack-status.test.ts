import assert from "node:assert/strict";
import { test } from "node:test";
import { continueRollbackCommand, isDeleted, isInProgress, nextStep } from "../../src/aws/stack-status.ts";

test("in progress: every *_IN_PROGRESS except REVIEW_IN_PROGRESS, which never settles by itself", () => {
  for (const status of [
    "CREATE_IN_PROGRESS",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_ROLLBACK_IN_PROGRESS",
    "DELETE_IN_PROGRESS",
    "ROLLBACK_IN_PROGRESS",
  ]) {
    assert.equal(isInProgress(status), true, status);
  }
  for (const status of ["REVIEW_IN_PROGRESS", "CREATE_COMPLETE", "UPDATE_ROLLBACK_FAILED", undefined]) {
    assert.equal(isInProgress(status), false, String(status));
  }
});

test("deleted: no stack, or DELETE_COMPLETE", () => {
  assert.equal(isDeleted(undefined), true);
  assert.equal(isDeleted("DELETE_COMPLETE"), true);
  assert.equal(isDeleted("DELETE_FAILED"), false);
});

test("next step for every state a deploy meets", () => {
  const kinds: Record<string, string> = {
    DELETE_COMPLETE: "create",
    CREATE_COMPLETE: "update",
    UPDATE_COMPLETE: "update",
    UPDATE_ROLLBACK_COMPLETE: "update",
    IMPORT_COMPLETE: "update",
    CREATE_IN_PROGRESS: "wait",
    UPDATE_IN_PROGRESS: "wait",
    UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: "wait",
    DELETE_IN_PROGRESS: "wait",
    ROLLBACK_COMPLETE: "recreate",
    ROLLBACK_FAILED: "recreate",
    REVIEW_IN_PROGRESS: "recreate",
    UPDATE_ROLLBACK_FAILED: "blocked",
    DELETE_FAILED: "blocked",
    IMPORT_ROLLBACK_FAILED: "blocked",
    SOMETHING_NEW: "blocked",
  };
  assert.equal(nextStep(undefined).kind, "create");
  for (const [status, kind] of Object.entries(kinds)) assert.equal(nextStep(status).kind, kind, status);
});

test("continue-update-rollback advice names the stack, and the region when set", () => {
  assert.equal(continueRollbackCommand("site-lambda"), "aws cloudformation continue-update-rollback --stack-name site-lambda");
  assert.equal(
    continueRollbackCommand("site-lambda", "eu-west-1"),
    "aws cloudformation continue-update-rollback --stack-name site-lambda --region eu-west-1",
  );
});
