import assert from "node:assert/strict";
import { test } from "node:test";
import { redactSignedUrls } from "../../src/util/redact.ts";

test("a presigned URL becomes <signed URL>; other URLs stay", () => {
  const url =
    "https://bucket.s3.amazonaws.com/db/abc/big.db?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F&X-Amz-Signature=deadbeef";
  assert.equal(redactSignedUrls(`failed to fetch ${url} (403)`), "failed to fetch <signed URL> (403)");
  assert.equal(redactSignedUrls(`"${url}"`), `"<signed URL>"`);
  assert.equal(redactSignedUrls("see https://example.com/docs"), "see https://example.com/docs");
});
