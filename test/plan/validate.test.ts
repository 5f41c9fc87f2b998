import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import {
  validateDomain,
  validateMemory,
  validatePrefix,
  validateRuntime,
  validateSnapStart,
  validateSiteName,
  validateTimeout,
} from "../../src/plan/validate.ts";
import { parseConfigPairs } from "../../src/plan/settings.ts";

const rejects = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (error: unknown) => error instanceof UserError && pattern.test(error.message));

test("site names follow CloudFormation's rule and leave room for -lambda", () => {
  assert.equal(validateSiteName("my-Site1"), "my-Site1");
  rejects(() => validateSiteName("1site"), /invalid site name/);
  rejects(() => validateSiteName("my_site"), /invalid site name/);
  rejects(() => validateSiteName(""), /invalid site name/);
  assert.equal(validateSiteName("a".repeat(57)), "a".repeat(57));
  rejects(() => validateSiteName("a".repeat(58)), /limit is 57/);
});

test("prefix: slashes trimmed, nested segments allowed, illegal characters rejected", () => {
  assert.equal(validatePrefix(undefined), null);
  assert.equal(validatePrefix("/"), null);
  assert.equal(validatePrefix("/x/"), "x");
  assert.equal(validatePrefix("v1/data"), "v1/data");
  rejects(() => validatePrefix("a b"), /--prefix "a b" has an illegal path segment/);
  rejects(() => validatePrefix("x?y"), /illegal/);
  rejects(() => validatePrefix("a/../b"), /illegal path segment "\.\."/);
  rejects(() => validatePrefix("a//b"), /illegal/);
});

test("memory and timeout stay within Lambda's ranges", () => {
  assert.equal(validateMemory(undefined), 1024);
  assert.equal(validateMemory(128), 128);
  assert.equal(validateMemory(10240), 10240);
  rejects(() => validateMemory(127), /--memory 127 is out of Lambda's range 128-10240/);
  rejects(() => validateMemory(10241), /--memory/);
  assert.equal(validateTimeout(undefined), 30);
  assert.equal(validateTimeout(900), 900);
  rejects(() => validateTimeout(0), /--timeout 0/);
  rejects(() => validateTimeout(901), /--timeout 901/);
});

test("runtime must be a supported Python runtime (dates: test/plan/runtimes.test.ts)", () => {
  const now = new Date("2026-12-06T00:00:00Z");
  assert.equal(validateRuntime("python3.13", now), "3.13");
  assert.equal(validateRuntime("python3.11", now), "3.11");
  rejects(() => validateRuntime("python3.8", now), /--runtime python3.8 is not supported/);
  rejects(() => validateRuntime("python3.10", now), /not supported/);
  rejects(() => validateRuntime("nodejs22.x", now), /not supported/);
});

test("domain names are validated", () => {
  assert.equal(validateDomain(undefined), null);
  assert.equal(validateDomain("Data.Example.com."), "data.example.com");
  rejects(() => validateDomain("https://data.example.com"), /--domain/);
  rejects(() => validateDomain("localhost"), /--domain/);
  rejects(() => validateDomain("-bad.example.com"), /--domain/);
  rejects(() => validateDomain("1.2.3.4"), /--domain/);
});

test("--config pairs become typed Datasette settings", () => {
  assert.deepEqual(parseConfigPairs(["sql_time_limit_ms:3500", "suggest_facets:off", "allow_download:on"]), {
    sql_time_limit_ms: 3500,
    suggest_facets: false,
    allow_download: true,
  });
  rejects(() => parseConfigPairs(["sql_time_limit_ms"]), /not a key:value pair/);
  rejects(() => parseConfigPairs([":5"]), /not a key:value pair/);
  rejects(() => parseConfigPairs(["no_such_setting:1"]), /"no_such_setting" is not a Datasette setting/);
  rejects(() => parseConfigPairs(["sql_time_limit_ms:fast"]), /takes a whole number/);
  rejects(() => parseConfigPairs(["allow_download:maybe"]), /takes on or off/);
  rejects(() => parseConfigPairs(["base_url:/x/"]), /set by --prefix/);
});

test("--snapstart needs python3.12 or later", () => {
  assert.equal(validateSnapStart(undefined, "python3.11", "3.11"), false);
  assert.equal(validateSnapStart(false, "python3.11", "3.11"), false);
  assert.equal(validateSnapStart(true, "python3.12", "3.12"), true);
  assert.equal(validateSnapStart(true, "python3.14", "3.14"), true);
  rejects(
    () => validateSnapStart(true, "python3.11", "3.11"),
    /--snapstart needs python3\.12 or later; --runtime python3\.11 has no SnapStart/,
  );
});
