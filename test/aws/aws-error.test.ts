import assert from "node:assert/strict";
import { test } from "node:test";
import { toAwsError } from "../../src/aws/aws-error.ts";
import { AwsError, UserError } from "../../src/errors.ts";

const sdkError = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 403 } });

test("wraps an SDK error naming the action and resource, keeping the cause", () => {
  const cause = sdkError("ValidationError", "Template format error");
  const error = toAwsError(cause, "Creating stack site", "site");
  assert.ok(error instanceof AwsError);
  assert.equal(error.message, "Creating stack site failed: Template format error");
  assert.equal(error.resource, "site");
  assert.equal(error.cause, cause);
  assert.equal(error.hint, undefined);
});

test("access denied, expired and rejected credentials get hints", () => {
  assert.match(toAwsError(sdkError("AccessDenied", "no"), "x", "site").hint ?? "", /not allowed.*--profile/);
  assert.match(toAwsError(sdkError("ExpiredToken", "old"), "x", "b").hint ?? "", /expired.*aws sso login/);
  assert.match(toAwsError(sdkError("ExpiredTokenException", "old"), "x", "b").hint ?? "", /expired/);
  assert.match(toAwsError(sdkError("InvalidClientTokenId", "bad"), "x", "b").hint ?? "", /rejected your credentials.*aws configure/);
});

test("an unreachable endpoint points at the network and --endpoint-url", () => {
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
  assert.match(toAwsError(refused, "Reading stack site", "site").hint ?? "", /--endpoint-url/);
});

test("credential provider failures are user errors", () => {
  const error = toAwsError(sdkError("CredentialsProviderError", "Could not load credentials from any providers"), "x", "b");
  assert.ok(error instanceof UserError);
});

test("our own errors pass through unchanged", () => {
  const mine = new UserError("mine");
  assert.equal(toAwsError(mine, "x", "y"), mine);
});

test("signed URLs never reach a message", () => {
  const url =
    "https://bucket.s3.amazonaws.com/db/abc/big.db?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F&X-Amz-Signature=deadbeef";
  assert.doesNotMatch(toAwsError(sdkError("Forbidden", `GET ${url}`), "Uploading", "bucket").message, /Signature|deadbeef/);
});
