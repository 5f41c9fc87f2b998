// The runtime table against AWS's dates, and what the CLI does with it on a
// given day (the clock is passed in, so no test depends on today's date).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";
import { UserError } from "../../src/errors.ts";
import { checkOptions } from "../../src/plan/plan.ts";
import {
  creatableRuntimes,
  NEWEST_RUNTIME,
  PYTHON_RUNTIMES,
  RUNTIMES_SOURCE,
  runtimeStatus,
  runtimeWarning,
} from "../../src/plan/runtimes.ts";
import { DEFAULT_RUNTIME } from "../../src/plan/defaults.ts";
import { validateRuntime } from "../../src/plan/validate.ts";
import { TEST_PYTHON } from "../_helpers/cli.ts";

const day = (iso: string) => new Date(`${iso}T12:00:00Z`);

test("the table is newest first, with ISO dates in order, and the default is one of its rows", () => {
  const minors = PYTHON_RUNTIMES.map((r) => Number(r.id.split(".")[1]));
  assert.deepEqual(
    minors,
    [...minors].sort((a, b) => b - a),
  );
  for (const row of PYTHON_RUNTIMES) {
    for (const date of [row.deprecated, row.blockCreate, row.blockUpdate]) assert.match(date, /^\d{4}-\d{2}-\d{2}$/, row.id);
    assert.ok(row.deprecated <= row.blockCreate && row.blockCreate <= row.blockUpdate, row.id);
  }
  assert.ok(PYTHON_RUNTIMES.some((r) => r.id === DEFAULT_RUNTIME));
  assert.equal(NEWEST_RUNTIME, "python3.14");
  assert.equal(RUNTIMES_SOURCE, "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html");
});

// cfn-lint (maintained by AWS) bundles the same table for its rules W2531/E2531/E2533,
// whose source_url is AWS's runtimes page.
test("each row equals the lifecycle data cfn-lint bundles", async () => {
  const script = [
    "import cfnlint, json, os",
    "path = os.path.join(os.path.dirname(cfnlint.__file__), 'data', 'AdditionalSpecs', 'LmbdRuntimeLifecycle.json')",
    "print(json.dumps(json.load(open(path))))",
  ].join("\n");
  const { stdout } = await promisify(execFile)(TEST_PYTHON, ["-c", script]);
  const lifecycle = JSON.parse(stdout) as Record<string, { deprecated: string; "create-block": string; "update-block": string }>;
  const mismatches: string[] = [];
  for (const row of PYTHON_RUNTIMES) {
    const theirs = lifecycle[row.id];
    if (!theirs) {
      mismatches.push(`${row.id}: not in cfn-lint's data`);
      continue;
    }
    const pairs: [string, string, string][] = [
      ["deprecated", row.deprecated, theirs.deprecated],
      ["blockCreate", row.blockCreate, theirs["create-block"]],
      ["blockUpdate", row.blockUpdate, theirs["update-block"]],
    ];
    for (const [field, ours, cfnLint] of pairs)
      if (ours !== cfnLint) mismatches.push(`${row.id} ${field}: ours ${ours}, cfn-lint ${cfnLint}`);
  }
  assert.deepEqual(mismatches, []);
});

test("a runtime is supported, then deprecated (a warning), then refused from its block-create date", () => {
  assert.equal(runtimeStatus("python3.11", day("2027-06-29")).kind, "supported");
  assert.equal(runtimeWarning("python3.11", day("2027-06-29")), undefined);
  assert.equal(runtimeStatus("python3.11", day("2027-06-30")).kind, "deprecated");
  assert.equal(
    runtimeWarning("python3.11", day("2027-07-01")),
    "--runtime python3.11: AWS Lambda deprecated it on 2027-06-30 (no more security patches); " +
      "it refuses new functions with it from 2027-07-31 and updates from 2027-08-31. Use --runtime python3.14.",
  );
  assert.equal(validateRuntime("python3.11", day("2027-07-30")), "3.11");
  assert.throws(
    () => validateRuntime("python3.11", day("2027-07-31")),
    (error: unknown) =>
      error instanceof UserError &&
      error.message === "--runtime python3.11: AWS Lambda stopped creating functions with it on 2027-07-31" &&
      /--runtime python3\.14/.test(error.hint ?? ""),
  );
  assert.deepEqual(creatableRuntimes(day("2027-08-01")), ["python3.14", "python3.13", "python3.12"]);
});

test("an unknown runtime is refused with the ones Lambda still takes", () => {
  for (const id of ["python3.8", "python3.10", "nodejs22.x"]) {
    assert.throws(
      () => validateRuntime(id, day("2026-12-06")),
      (error: unknown) => error instanceof UserError && /not supported/.test(error.message) && /python3\.11/.test(error.hint ?? ""),
    );
  }
});

test("update-stack's checks apply the table on the day given", () => {
  assert.equal(checkOptions("mysite", { runtime: "python3.12" }, day("2026-12-06")).pythonVersion, "3.12");
  assert.throws(
    () => checkOptions("mysite", { runtime: "python3.12" }, day("2028-12-01")),
    /stopped creating functions with it on 2028-11-30/,
  );
});
