import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_SITE_NAME_LENGTH } from "../../src/plan/limits.ts";
import { certificateStackName, isCertificateStackName, legacyCertificateStackName } from "../../src/plan/stack-names.ts";
import { sha256 } from "../../src/util/sha256.ts";

test("one certificate stack per domain: 8 hex digits of the domain's sha256; the legacy name without", () => {
  assert.equal(certificateStackName("mysite", "data.example.com"), `mysite-certificate-${sha256("data.example.com").slice(0, 8)}`);
  assert.notEqual(certificateStackName("mysite", "data.example.com"), certificateStackName("mysite", "www.example.com"));
  assert.equal(legacyCertificateStackName("mysite"), "mysite-certificate");
  // CloudFormation stack names stop at 128 characters.
  assert.ok(certificateStackName("a".repeat(MAX_SITE_NAME_LENGTH), "data.example.com").length <= 128);
});

test("a site's certificate stacks are told from other sites' and other stacks", () => {
  assert.ok(isCertificateStackName("mysite", "mysite-certificate"));
  assert.ok(isCertificateStackName("mysite", certificateStackName("mysite", "x.example.com")));
  for (const other of [
    "mysite-lambda",
    "mysite",
    "mysite-other-certificate-1a2b3c4d",
    "mysite-certificate-1a2b3c4d-lambda",
    "xmysite-certificate",
  ]) {
    assert.ok(!isCertificateStackName("mysite", other), other);
  }
});
