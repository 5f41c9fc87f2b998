// End to end: two real `update-stack` processes of the same site at once, with
// different databases, three rounds, against a local moto server. What this
// proves: every run exits 0, and after each round every key the deployed app
// stack's parameters reference is still in the bucket (one run's clean-up never
// deletes what the other deployed or is about to deploy), with no lease left
// behind; and clean-up still deletes old garbage. The racing runs are
// update-stack processes with clean-up's minimum age injected as 0
// (test/_helpers/update-stack-process.ts), so only the stack re-read, the
// leases and "keep the previous deployment" protect anything: the 15-minute
// age rule would otherwise hide a mistake. The last deploy is the real CLI, at
// its own age. What it cannot prove: AWS's own timing (moto applies a stack
// update within the UpdateStack call).
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { referencedKeys } from "../../src/aws/garbage.ts";
import { cliEnv, runCli, runUpdateStackProcess, type CliResult } from "../_helpers/cli.ts";
import { makeDatabase, tempDir } from "../_helpers/fixtures.ts";
import { motoEnv, startMoto } from "../_helpers/moto.ts";
import { describeStack, motoClients, stackOutputs } from "../_helpers/moto-site.ts";

const moto = await startMoto();
after(() => moto.stop());

const { cloudformation, s3 } = motoClients(moto);
const dir = tempDir();
// The host's Python and architecture, as in update-stack.test.ts: the layer is built once per machine.
const HOST = { runtime: "python3.11", arch: "x86_64" };
const SITE = "E2e-Race";
const env = motoEnv(moto.endpoint, cliEnv());

/** update-stack SITE DB: clean-up at any age in its own process, or ("cli") the CLI as users run it. */
function deploy(db: string, how: "any age" | "cli" = "any age"): Promise<CliResult> {
  if (how === "cli")
    return runCli(["update-stack", SITE, db, "--json", "--verbose", "--runtime", HOST.runtime, "--arch", HOST.arch], { env });
  return runUpdateStackProcess({ name: SITE, files: [db], options: { json: true, verbose: true, ...HOST }, minAgeMs: 0 }, { env });
}

/** A database of its own content (so its own key and package) in its own directory. */
function database(version: string, rows: number): string {
  const folder = join(dir, version);
  mkdirSync(folder, { recursive: true });
  return makeDatabase(join(folder, "data.db"), { items: rows });
}

async function bucketKeys(bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const object of page.Contents ?? []) keys.push(object.Key ?? "");
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

async function liveKeys(): Promise<string[]> {
  const stack = await describeStack(cloudformation, `${SITE}-lambda`);
  const parameters = Object.fromEntries((stack.Parameters ?? []).map((p) => [p.ParameterKey ?? "", p.ParameterValue ?? ""]));
  return referencedKeys(parameters).sort();
}

const passed = (result: CliResult, what: string) => assert.equal(result.code, 0, `${what} failed:\n${result.stderr}`);

test("two update-stack runs at once, three rounds: the live stack's artifacts always exist; old garbage still goes", async () => {
  passed(await deploy(database("first", 1)), "the first deploy");
  const bucket = stackOutputs(await describeStack(cloudformation, SITE)).BucketName!;

  for (let round = 1; round <= 3; round++) {
    const [a, b] = await Promise.all([deploy(database(`a${round}`, 10 + round)), deploy(database(`b${round}`, 20 + round))]);
    passed(a, `round ${round}, run A`);
    passed(b, `round ${round}, run B`);

    const live = await liveKeys();
    assert.equal(live.length, 3, `package, layer and the database: ${live.join(" ")}`);
    const present = await bucketKeys(bucket);
    for (const key of live)
      assert.ok(present.includes(key), `round ${round}: the live stack references ${key}, which is gone; bucket: ${present.join(" ")}`);
    assert.deepEqual(
      present.filter((key) => key.startsWith("deploys/")),
      [],
      "every run deleted its lease",
    );
  }

  // Six packages and databases from the rounds are garbage by now, old enough at 0 ms:
  // one more deploy leaves exactly its own artifacts and those of the deployment it replaced.
  const replaced = await liveKeys();
  passed(await deploy(database("last", 99)), "the last deploy");
  const current = await liveKeys();
  // Artifacts only: not the leases, nor live/deployed.json (what the last deploy recorded for ls).
  const artifacts = (await bucketKeys(bucket)).filter((key) => !key.startsWith("deploys/") && key !== "live/deployed.json");
  assert.deepEqual(artifacts, [...new Set([...current, ...replaced])].sort());

  // The CLI keeps garbage younger than 15 minutes: the deployment two back
  // (just made garbage) is still there after one more deploy.
  passed(await deploy(database("default-age", 7), "cli"), "a deploy at the default age");
  for (const key of replaced) assert.ok((await bucketKeys(bucket)).includes(key), `${key} is younger than 15 minutes`);
});
