// update-stack's core (runUpdateStack) with a stand-in build and deploy: what
// is checked before the build (and that nothing is built when a check fails),
// that region and credentials are checked once, what reaches the deploy, and
// how both outcomes are rendered.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { runUpdateStack, type UpdateStackDeps } from "../../src/commands/update-stack.ts";
import type { DeployDeps, DeployResult } from "../../src/deploy/deploy-site.ts";
import { UserError } from "../../src/errors.ts";
import type { CheckedOptions } from "../../src/plan/plan.ts";
import type { UpdateStackOptions } from "../../src/plan/update-stack-options.ts";
import type { BuildResult } from "../../src/plan/types.ts";
import { samplePlan } from "../_helpers/plan.ts";
import { recordingOutput } from "../_helpers/recording-output.ts";

const SECRET = "a-long-secret-nobody-may-see-0123456789";

let dir: string;
let db: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "update-stack-run-"));
  db = join(dir, "fixtures.db");
  await writeFile(db, "not read: the build is a stand-in");
});
// Run even when --test-name-pattern leaves no test here, and before() with them.
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Calls {
  clients: number;
  regionLookups: number;
  built: CheckedOptions[];
  deployed: Array<Omit<DeployDeps, "clients" | "out">>;
}

function cloudformation(region: string | (() => Promise<string>), credentials: () => Promise<unknown>, calls: Calls): CloudFormationClient {
  return {
    config: {
      region: async () => {
        calls.regionLookups++;
        return typeof region === "string" ? region : region();
      },
      credentials,
    },
  } as unknown as CloudFormationClient;
}

const DEPLOYED: DeployResult = {
  type: "deployed",
  stack: "mysite",
  appStack: "mysite-lambda",
  url: "https://d111.cloudfront.net/",
  functionUrl: "https://abc.lambda-url.eu-west-1.on.aws/",
  uploaded: { files: 2, bytes: 2048 },
};

function harness(options: { json?: boolean; region?: string | (() => Promise<string>); credentials?: () => Promise<unknown> } = {}) {
  const calls: Calls = { clients: 0, regionLookups: 0, built: [], deployed: [] };
  const output = recordingOutput({ json: options.json });
  const deps: UpdateStackDeps = {
    output: output.out,
    env: {},
    clients: () => {
      calls.clients++;
      const cfn = cloudformation(options.region ?? "eu-west-1", options.credentials ?? (async () => ({ accessKeyId: "x" })), calls);
      return { cloudformation: cfn } as unknown as DeployDeps["clients"];
    },
    build: async (checked): Promise<BuildResult> => {
      calls.built.push(checked);
      const artifact = join(dir, "package.zip");
      await writeFile(artifact, "zip");
      return {
        plan: samplePlan({ prefix: checked.prefix }),
        artifacts: [{ key: "package/abc.zip", path: artifact, bytes: 3, sha256: "abc" }],
        prereqTemplate: "prereq",
        prereqParameters: { Cors: "false" },
        appTemplate: "app",
        filesTemplate: "files",
        appParameters: { PackageKey: "package/abc.zip" },
      };
    },
    deploy: async (_build, deployDeps) => {
      const { clients: _clients, out: _out, ...rest } = deployDeps;
      calls.deployed.push(rest);
      return DEPLOYED;
    },
  };
  return { calls, output, deps };
}

const run = (h: ReturnType<typeof harness>, options: UpdateStackOptions, files = [db]) => runUpdateStack("mysite", files, options, h.deps);

test(
  "a deploy: region and credentials checked once, before the build; the region and secrets reach the deploy; " + "the URL under --prefix",
  async () => {
    const h = harness();
    const result = await run(h, { prefix: "x", secret: SECRET });
    assert.equal(result.type, "deploy");
    assert.equal(h.calls.clients, 1);
    assert.equal(h.calls.regionLookups, 1);
    assert.equal(h.calls.built.length, 1);
    assert.equal(h.calls.deployed.length, 1);
    assert.equal(h.calls.deployed[0]!.region, "eu-west-1");
    assert.equal(h.calls.deployed[0]!.secret, SECRET);
    assert.equal(h.output.stdout(), "https://d111.cloudfront.net/x/\n");
    assert.deepEqual(h.output.lines(), ["Function URL: https://abc.lambda-url.eu-west-1.on.aws/x/"]);
    assert.ok(!h.output.stderr().includes(SECRET) && !h.output.stdout().includes(SECRET));
  },
);

test("missing region: the fix named, nothing built, nothing deployed", async () => {
  const h = harness({
    region: async () => {
      throw new Error("Region is missing");
    },
  });
  await assert.rejects(run(h, {}), (error: unknown) => error instanceof UserError && /--region/.test(error.hint ?? ""));
  assert.equal(h.calls.built.length, 0);
  assert.equal(h.calls.deployed.length, 0);
});

test("missing credentials: the fix named, nothing built, nothing deployed", async () => {
  const h = harness({
    credentials: async () => {
      throw Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });
    },
  });
  await assert.rejects(run(h, {}), (error: unknown) => error instanceof UserError && /aws configure/.test(error.hint ?? ""));
  assert.equal(h.calls.built.length, 0);
});

test("--snapstart in a region without SnapStart: refused once the region is known, before the build", async () => {
  const h = harness({ region: "ap-southeast-6" });
  await assert.rejects(
    run(h, { snapstart: true }),
    (error: unknown) => error instanceof UserError && /not offered in Asia Pacific \(New Zealand\) \(ap-southeast-6\)/.test(error.message),
  );
  assert.equal(h.calls.built.length, 0);
  assert.equal(h.calls.deployed.length, 0);
});

test("bad input fails before the AWS check and the build: no files, a bad flag, a missing --plugins-dir, a bad --out", async () => {
  await writeFile(join(dir, "not-a-directory"), "x");
  const cases: Array<[UpdateStackOptions, string[], RegExp]> = [
    [{}, [], /needs at least one database file/],
    [{ memory: 99 }, [db], /--memory 99/],
    [{ arch: "sparc" }, [db], /--arch sparc/],
    [{ pluginsDir: join(dir, "missing") }, [db], /--plugins-dir/],
    [{ dryRun: true, out: join(dir, "not-a-directory") }, [db], /--out .* is not a directory/],
    [{ secret: "short" }, [db], /--secret is shorter than 16/],
  ];
  for (const [options, files, message] of cases) {
    const h = harness();
    await assert.rejects(
      run(h, options, files),
      (error: unknown) => error instanceof UserError && message.test(error.message),
      String(message),
    );
    assert.equal(h.calls.clients, 0, `no AWS client for ${message}`);
    assert.equal(h.calls.built.length, 0, `nothing built for ${message}`);
  }
});

test("the build gets checked options with every default applied", async () => {
  const h = harness();
  await run(h, {});
  const checked = h.calls.built[0]!;
  assert.equal(checked.runtime, "python3.13");
  assert.equal(checked.arch, "arm64");
  assert.equal(checked.memoryMb, 1024);
  assert.equal(checked.outDir, "datasette-lambda-out");
  assert.equal(checked.metadataFile, null);
});

test("a dry run: no AWS client at all; the artifacts listed; the secrets notice without the secret; --json gives the summary", async () => {
  const text = harness();
  const out = join(dir, "out-text");
  const result = await run(text, { dryRun: true, out, secret: SECRET });
  assert.equal(result.type, "dry-run");
  assert.equal(text.calls.clients, 0);
  assert.equal(text.calls.deployed.length, 0);
  assert.match(
    text.output.stdout(),
    new RegExp(`^Dry run: wrote ${out}\n  package/abc\\.zip  0\\.0 MB\n  database fixtures: in the package\n$`),
  );
  assert.match(text.output.stderr(), /Secrets .* are not written to --out/);
  assert.ok(!text.output.stderr().includes(SECRET) && !text.output.stdout().includes(SECRET));
  assert.equal(await readFile(join(out, "artifacts", "package", "abc.zip"), "utf8"), "zip");

  const json = harness({ json: true });
  await run(json, { dryRun: true, out: join(dir, "out-json") });
  const summary = JSON.parse(json.output.stdout());
  assert.equal(summary.stack, "mysite");
  assert.deepEqual(summary.artifacts, [{ key: "package/abc.zip", bytes: 3, sha256: "abc" }]);
  assert.doesNotMatch(json.output.stderr(), /Secrets/);
});
