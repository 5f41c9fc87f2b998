import assert from "node:assert/strict";
import { test } from "node:test";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { runRm, type RmDeps, type RmResult } from "../../src/commands/rm.ts";
import { UserError } from "../../src/errors.ts";
import { liveDatabaseKey, LIVE_MANIFEST_KEY, parseLiveManifest, serializeLiveManifest } from "../../src/live/manifest.ts";
import { noTerminalError } from "../../src/ui/confirm.ts";
import { liveWorld, type LiveWorld } from "../_helpers/live-site.ts";

const SHA = "a".repeat(64);
const entry = (name: string) => ({ key: liveDatabaseKey(SHA, name), sha256: SHA, bytes: 10, tables: {}, source: `${name}.csv` });

function world(json = false): LiveWorld {
  const w = liveWorld({ json });
  w.bucket.put(
    LIVE_MANIFEST_KEY,
    serializeLiveManifest({ format: 1, databases: { sales: entry("sales"), fixtures: entry("fixtures") }, failed: {} }),
  );
  w.bucket.put(
    "live/deployed.json",
    JSON.stringify({
      format: 1,
      databases: { fixtures: { sha256: "f".repeat(64), bytes: 1, tables: {}, location: "inline", source: "fixtures.db" } },
      deployedAt: "2026-11-30T10:00:00Z",
    }),
  );
  return w;
}

function deps(w: LiveWorld, answer: boolean | "no terminal" = true): RmDeps & { asked: string[] } {
  const asked: string[] = [];
  return {
    clients: { cloudformation: w.cfn.client, s3: w.bucket.client },
    output: w.output.out,
    confirm: async (question, action) => {
      asked.push(question);
      if (answer === "no terminal") throw noTerminalError(action);
      return answer;
    },
    sleep: async () => {},
    asked,
  };
}

const liveNames = (w: LiveWorld) => Object.keys(parseLiveManifest(w.bucket.objects.get(LIVE_MANIFEST_KEY)!.toString()).databases).sort();

test("rm: asks, then stops serving the database", async () => {
  const w = world();
  const d = deps(w);
  await runRm("site", "sales", {}, d);
  assert.deepEqual(d.asked, ["Stop serving the live database sales on site?"]);
  assert.deepEqual(liveNames(w), ["fixtures"]);
  assert.equal(w.output.stdout(), "Stopped serving sales on site; running instances drop it within 15 s of their next request.\n");
});

test("rm --yes --json: no question; says the deployed database of that name comes back", async () => {
  const w = world(true);
  const d = deps(w);
  await runRm("site", "fixtures", { yes: true }, d);
  assert.deepEqual(d.asked, []);
  const json = JSON.parse(w.output.stdout()) as RmResult;
  assert.deepEqual(json, {
    site: "site",
    name: "fixtures",
    removed: { key: liveDatabaseKey(SHA, "fixtures"), sha256: SHA, bytes: 10, source: "fixtures.csv" },
    unservable: null,
    deployedServedAgain: true,
    cancelled: false,
  });
  assert.deepEqual(liveNames(w), ["sales"]);
});

test("rm: answering no removes nothing; no terminal without --yes is refused naming --yes", async () => {
  const w = world();
  await runRm("site", "sales", {}, deps(w, false));
  assert.equal(w.output.stdout(), "Cancelled: nothing was removed.\n");
  await assert.rejects(runRm("site", "sales", {}, deps(w, "no terminal")), { hint: /--yes/ });
  assert.deepEqual(liveNames(w), ["fixtures", "sales"]);
  assert.equal(w.bucket.mock.commandCalls(PutObjectCommand).length, 0);
});

test("rm of a name that is not live: deployed by update-stack, or unknown (listing what is live)", async () => {
  const w = world();
  w.bucket.put(LIVE_MANIFEST_KEY, serializeLiveManifest({ format: 1, databases: { sales: entry("sales") }, failed: {} }));
  await assert.rejects(runRm("site", "fixtures", { yes: true }, deps(w)), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.equal(error.message, "fixtures on site was deployed by update-stack, not pushed: rm stops serving pushed databases only.");
    assert.match(error.hint ?? "", /update-stack site <the other databases>/);
    return true;
  });
  await assert.rejects(runRm("site", "nope", { yes: true }, deps(w)), {
    message: "site has no live database named nope.",
    hint: "Live databases: sales. datasette-lambda ls site lists everything it serves.",
  });
  await assert.rejects(runRm("site", "no/pe", { yes: true }, deps(w)), { message: "site has no live database named no/pe." });
  assert.equal(w.bucket.mock.commandCalls(PutObjectCommand).length, 0);
});

test("rm of an entry no instance serves (ls lists it): asked as such, removed from the manifest, said so", async () => {
  const w = world(true);
  const manifest = {
    format: 1 as const,
    databases: { sales: entry("sales"), _internal: entry("_internal"), "a b": { key: 1 } },
    failed: {},
  };
  w.bucket.put(LIVE_MANIFEST_KEY, serializeLiveManifest(manifest));
  const d = deps(w);
  await runRm("site", "_internal", {}, d);
  const reason = 'the database name "_internal" is Datasette\'s own database';
  assert.deepEqual(d.asked, [`Remove the entry _internal (not served: ${reason}) from the live manifest of site?`]);
  const json = JSON.parse(w.output.stdout()) as RmResult;
  assert.equal(json.unservable, reason);
  assert.equal(json.deployedServedAgain, false);
  await runRm("site", "a b", { yes: true }, deps(w));
  const last = JSON.parse(w.output.stdout().trim().split("\n").at(-1)!) as RmResult;
  assert.deepEqual(last.removed, { key: null, sha256: null, bytes: null, source: null });
  assert.deepEqual(liveNames(w), ["sales"]);
});
