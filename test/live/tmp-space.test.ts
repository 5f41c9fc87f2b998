import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { DeployedRecord } from "../../src/live/deployed.ts";
import { deployedS3Bytes, fitsTmp, tmpProblem } from "../../src/live/tmp-space.ts";
import { REPO_ROOT } from "../_helpers/cli.ts";

// The cases the runtime's rule is tested on too (stub/tests/test_tmp_space.py).
const { cases } = JSON.parse(readFileSync(join(REPO_ROOT, "stub/tests/tmp_space_cases.json"), "utf8")) as {
  cases: { bytes: number; tmpBytes: number; deployedS3Bytes: number; fits: boolean; why: string }[];
};
const MB = 1024 * 1024;

test("fitsTmp: the runtime's rule, on the shared cases", () => {
  assert.ok(cases.length > 5);
  for (const c of cases) assert.equal(fitsTmp(c.bytes, c.tmpBytes, c.deployedS3Bytes), c.fits, c.why);
});

const deployed: DeployedRecord = {
  format: 1,
  databases: {
    big: { sha256: "a".repeat(64), bytes: 600 * MB, tables: {}, location: "s3", source: "big.db" },
    small: { sha256: "b".repeat(64), bytes: 2 * MB, tables: {}, location: "inline", source: "small.db" },
  },
  deployedAt: "2026-12-01T10:00:00Z",
};

test("deployedS3Bytes: only the deployed databases kept in S3 take /tmp", () => {
  assert.equal(deployedS3Bytes(deployed), 600 * MB);
  assert.equal(deployedS3Bytes(undefined), 0);
});

test("tmpProblem: the runtime's words and the remedy, or null when it may fit or /tmp is unknown", () => {
  assert.equal(
    tmpProblem(600 * MB, 512 * MB, undefined),
    "600.0 MB cannot fit in /tmp (512.0 MB, 0.0 MB of it for deployed databases): not downloaded; " +
      "deploy it with update-stack instead (it sizes /tmp for the databases it deploys), or publish a smaller one",
  );
  assert.match(tmpProblem(400 * MB, 916 * MB, deployed) ?? "", /^400\.0 MB cannot fit in \/tmp \(916\.0 MB, 600\.0 MB of it/);
  assert.equal(tmpProblem(300 * MB, 916 * MB, deployed), null);
  assert.equal(tmpProblem(600 * MB, undefined, undefined), null);
});
