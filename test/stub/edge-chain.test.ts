// Issue 18, point 1, for real: the CLI builds a site with datasette-auth-passwords
// and datasette-auth-tokens installed (PyPI, cached after the first run), for this
// machine, and the built package and layer, unzipped, are driven through the
// modelled CloudFront of stub/tests/cloudfront_edge.py: the shared viewer-request
// function (run by Node), the origin-request Lambda@Edge function, OAC's signature
// and Lambda's body check, the handler (stub/tests/test_edge_chain.py). Logging in
// with the form sets the actor cookie; a Bearer token authenticates a JSON request
// and its answer is private. Run by pytest, each Python test a subtest here.
import assert from "node:assert/strict";
import { pbkdf2Sync, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parsePluginSecrets, pluginSecretsParameter } from "../../src/plan/plugin-secrets.ts";
import { makeDatabase, tempDir } from "../_helpers/fixtures.ts";
import { buildForHost } from "../_helpers/host-build.ts";
import { pytestSubtests } from "../_helpers/pytest.ts";

const dir = tempDir("dl-edge-chain-");
const PASSWORD = randomBytes(12).toString("hex");
const TOKEN = randomBytes(16).toString("hex");

/** datasette-auth-passwords' hash format (its utils.hash_password), with few iterations: a test. */
function passwordHash(password: string): string {
  const salt = randomBytes(8).toString("hex");
  const iterations = 1000;
  const hash = pbkdf2Sync(password, salt, iterations, 32, "sha256").toString("base64");
  return `pbkdf2_sha256$${iterations}$${salt}$${hash}`;
}

test("sign-in and a Bearer token through CloudFront, on a site built with the auth plugins", async (t) => {
  const db = makeDatabase(join(dir, "edge.db"), { items: 3 });
  const metadata = join(dir, "metadata.json");
  writeFileSync(metadata, JSON.stringify({ plugins: { "datasette-auth-tokens": { tokens: [{ token: TOKEN, actor: { id: "bot" } }] } } }));
  const secret = ["datasette-auth-passwords", "root_password_hash", passwordHash(PASSWORD)];
  const { taskRoot, layerDir } = await buildForHost(dir, "edge", "edgetest", [
    db,
    "--metadata",
    metadata,
    "--install",
    "datasette-auth-passwords==1.1.1",
    "--install",
    "datasette-auth-tokens==0.3",
    "--plugin-secret",
    ...secret,
  ]);
  // What a deploy hands the function as its DATASETTE_LAMBDA_PLUGIN_SECRETS (a dry run writes no secret).
  const pluginSecrets = pluginSecretsParameter(parsePluginSecrets([secret]).values)!;
  const env = {
    DL_TASK_ROOT: taskRoot,
    DL_LAYER_DIR: layerDir,
    DL_EDGE_CHAIN: "1",
    DL_EDGE_CHAIN_PASSWORD: PASSWORD,
    DL_EDGE_CHAIN_TOKEN: TOKEN,
    DL_EDGE_CHAIN_PLUGIN_SECRETS: pluginSecrets,
  };
  const results = await pytestSubtests(t, ["stub/tests/test_edge_chain.py"], env);
  // They must have run, not been skipped.
  assert.deepEqual(
    results.filter((r) => r.outcome !== "passed").map((r) => `${r.id}: ${r.outcome} ${r.skipReason ?? ""}`),
    [],
    "every test must run",
  );
  assert.equal(results.length, 5, results.map((r) => r.id).join("\n"));
});
