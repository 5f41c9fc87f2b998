// deploySite against a scripted CloudFormation and an in-memory bucket:
// every stack state issue 4 names, uploads, clean-up, Ctrl-C.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  CreateStackCommand,
  DeleteStackCommand,
  UpdateStackCommand,
  type CreateStackCommandInput,
  type UpdateStackCommandInput,
} from "@aws-sdk/client-cloudformation";
import { EC2Client } from "@aws-sdk/client-ec2";
import { Route53Client } from "@aws-sdk/client-route-53";
import { DeleteObjectsCommand, PutObjectCommand, type PutObjectCommandInput } from "@aws-sdk/client-s3";
import { leaseBody, parseLease } from "../../src/aws/leases.ts";
import { deploySite, type DeployDeps } from "../../src/deploy/deploy-site.ts";
import { NO_DOMAIN, NO_SHARED } from "../../src/plan/app-parameters.ts";
import { NO_FILES } from "../../src/plan/in-place.ts";
import { DeployError, InterruptedError } from "../../src/errors.ts";
import type { Artifact, BuildResult, DeployPlan } from "../../src/plan/types.ts";
import { FakeBucket } from "../_helpers/fake-artifact-bucket.ts";
import { FakeCloudFormation, resource, type FakeStack } from "../_helpers/fake-cloudformation.ts";
import { FakeCloudFront } from "../_helpers/fake-cloudfront.ts";
import { FakeLambda } from "../_helpers/fake-lambda.ts";
import { FakeAcm } from "../_helpers/fake-acm.ts";
import { recordingOutput } from "../_helpers/recording-output.ts";

const PREREQ = "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n";
const APP = "Resources:\n  Function:\n    Type: AWS::Lambda::Function\n";
const SECRET = "0123456789abcdef".repeat(4);
const HOUR = 60 * 60_000;
/** Written a day ago: old enough for clean-up (which keeps anything younger than 15 minutes). */
const YESTERDAY = Date.now() - 24 * HOUR;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "deploy-site-test-"));
});
// Run even when --test-name-pattern leaves no test here, and before() with them.
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function artifact(key: (sha: string) => string, content: string): Promise<Artifact> {
  const sha256 = createHash("sha256").update(content).digest("hex");
  const path = join(dir, sha256);
  await writeFile(path, content);
  return { key: key(sha256), path, bytes: Buffer.byteLength(content), sha256 };
}

/** A build of package + layer + one S3 database, each with the given content. */
async function build(contents: { pkg?: string; layer?: string; db?: string } = {}): Promise<BuildResult> {
  const pkg = await artifact((sha) => `package/${sha}.zip`, contents.pkg ?? "package v1");
  const layer = await artifact((sha) => `layer/${sha}.zip`, contents.layer ?? "layer v1");
  const db = await artifact((sha) => `db/${sha}/big.db`, contents.db ?? "database v1");
  const plan = { stackName: "site", appStackName: "site-lambda", inPlace: "off" } as DeployPlan;
  return {
    plan,
    artifacts: [pkg, layer, db],
    prereqTemplate: PREREQ,
    prereqParameters: { Cors: "false" },
    appTemplate: APP,
    filesTemplate: "files",
    appParameters: {
      PackageKey: pkg.key,
      LayerKey: layer.key,
      DatabaseKeys: db.key,
      Runtime: "python3.13",
      Architecture: "arm64",
      MemorySize: "1024",
      Timeout: "30",
      EphemeralStorageSize: "512",
      EnableCdn: "true",
    },
  };
}

interface World {
  cfn: FakeCloudFormation;
  bucket: FakeBucket;
  output: ReturnType<typeof recordingOutput>;
  deps: DeployDeps;
  sleeps: number[];
}

function world(): World {
  const cfn = new FakeCloudFormation();
  const bucket = new FakeBucket("site-bucket-1a2b");
  const output = recordingOutput();
  const sleeps: number[] = [];
  cfn.outputsFor = (stack: FakeStack): Record<string, string> =>
    stack.name === "site"
      ? { BucketName: bucket.name }
      : { SiteUrl: "https://d111.cloudfront.net/", FunctionUrl: "https://abc.lambda-url.eu-west-1.on.aws/", FunctionName: "fn" };
  const deps: DeployDeps = {
    clients: {
      cloudformation: cfn.client,
      s3: bucket.client,
      // us-east-1, where a --domain certificate stack would be: empty here.
      usEast1Cloudformation: new FakeCloudFormation().client,
      route53: new Route53Client({ region: "us-east-1" }),
      cloudfront: new FakeCloudFront().client,
      lambda: new FakeLambda().client,
      acm: new FakeAcm().client,
      // Only asked about a NAME-files stack's network interfaces: none here.
      ec2: new EC2Client({ region: "eu-west-1" }),
    },
    region: "eu-west-1",
    out: output.out,
    sleep: async (ms) => void sleeps.push(ms),
    randomSecret: () => SECRET,
  };
  return { cfn, bucket, output, deps, sleeps };
}

/** Both stacks deployed from `deployed`, its artifacts in the bucket. */
async function deployedWorld(deployed: BuildResult, appStatus = "UPDATE_COMPLETE"): Promise<World> {
  const w = world();
  w.cfn.addStack({
    name: "site",
    status: "CREATE_COMPLETE",
    template: PREREQ,
    parameters: deployed.prereqParameters,
    outputs: { BucketName: w.bucket.name },
  });
  w.cfn.addStack({
    name: "site-lambda",
    status: appStatus,
    template: APP,
    parameters: {
      ...deployed.appParameters,
      ...NO_DOMAIN,
      ...NO_SHARED,
      ...NO_FILES,
      ConverterMaxConcurrency: "2",
      BucketName: w.bucket.name,
      DatasetteSecret: "the-old-secret",
    },
    outputs: w.cfn.outputsFor({ name: "site-lambda" } as FakeStack),
    events: [
      resource("Function", "AWS::Lambda::Function", "UPDATE_COMPLETE"),
      resource("site-lambda", "AWS::CloudFormation::Stack", appStatus),
    ],
  });
  for (const a of deployed.artifacts) w.bucket.put(a.key, Buffer.alloc(a.bytes), YESTERDAY);
  return w;
}

const creates = (w: World) => w.cfn.inputs<CreateStackCommandInput>(CreateStackCommand);
const updates = (w: World) => w.cfn.inputs<UpdateStackCommandInput>(UpdateStackCommand);
/** PutObject calls of artifacts (a deploy also writes, and deletes, its lease under deploys/). */
const artifactPuts = (w: World) =>
  w.bucket.mock.commandCalls(PutObjectCommand).filter((call) => !(call.args[0].input as PutObjectCommandInput).Key?.startsWith("deploys/"))
    .length;
const leases = (w: World) => [...w.bucket.objects.keys()].filter((key) => key.startsWith("deploys/"));
const param = (input: { Parameters?: { ParameterKey?: string; ParameterValue?: string }[] } | undefined, key: string) =>
  input?.Parameters?.find((p) => p.ParameterKey === key);

test("first deploy creates both stacks, uploads every artifact, and returns the URLs", async () => {
  const w = world();
  const b = await build();
  const result = await deploySite(b, w.deps);

  assert.deepEqual(result, {
    type: "deployed",
    stack: "site",
    appStack: "site-lambda",
    url: "https://d111.cloudfront.net/",
    functionUrl: "https://abc.lambda-url.eu-west-1.on.aws/",
    uploaded: { files: 3, bytes: b.artifacts.reduce((n, a) => n + a.bytes, 0) },
  });
  assert.deepEqual(
    creates(w).map((c) => c.StackName),
    ["site", "site-lambda"],
  );
  assert.deepEqual(creates(w)[0]?.Parameters, [{ ParameterKey: "Cors", ParameterValue: "false" }]);
  const app = creates(w)[1];
  assert.equal(app?.TemplateBody, APP);
  assert.deepEqual(param(app, "BucketName"), { ParameterKey: "BucketName", ParameterValue: w.bucket.name });
  assert.deepEqual(param(app, "PackageKey"), { ParameterKey: "PackageKey", ParameterValue: b.appParameters.PackageKey });
  assert.deepEqual(param(app, "DatasetteSecret"), { ParameterKey: "DatasetteSecret", ParameterValue: SECRET });
  assert.ok(app?.Capabilities?.includes("CAPABILITY_IAM"));
  for (const a of b.artifacts) assert.ok(w.bucket.objects.has(a.key), a.key);
  // Polled at the default 2 s, events streamed, the secret never printed.
  assert.ok(w.sleeps.length > 0 && w.sleeps.every((ms) => ms === 2000));
  const stderr = w.output.stderr();
  assert.match(stderr, /Creating stack site\.\.\./);
  assert.match(stderr, /Creating stack site-lambda\.\.\./);
  assert.match(stderr, /Bucket +AWS::S3::Bucket +CREATE_COMPLETE/);
  assert.doesNotMatch(stderr, new RegExp(SECRET));
  assert.equal(w.output.stdout(), "", "deploySite prints no result itself");
});

test("default secret: 32 random bytes as hex, different per site", async () => {
  const w = world();
  delete w.deps.randomSecret;
  await deploySite(await build(), w.deps);
  const secret = w.cfn.secrets.get("site-lambda");
  assert.match(secret ?? "", /^[0-9a-f]{64}$/);
  const w2 = world();
  delete w2.deps.randomSecret;
  await deploySite(await build(), w2.deps);
  assert.notEqual(w2.cfn.secrets.get("site-lambda"), secret);
});

test("update: uploads only the new artifact, keeps the secret, keeps the previous deployment's files, deletes older ones", async () => {
  const old = await build();
  const w = await deployedWorld(old);
  w.bucket.put("package/ancient.zip", "from two deploys ago", YESTERDAY);
  w.bucket.put("incoming/new.csv", "not ours to collect", YESTERDAY);
  const next = await build({ db: "database v2" });

  const result = await deploySite(next, w.deps);

  assert.equal(result.type, "deployed");
  assert.deepEqual(result.uploaded, { files: 1, bytes: Buffer.byteLength("database v2") });
  assert.deepEqual(
    updates(w).map((u) => u.StackName),
    ["site-lambda"],
    "the prerequisite stack is unchanged: no update call",
  );
  const update = updates(w)[0];
  assert.deepEqual(param(update, "DatasetteSecret"), { ParameterKey: "DatasetteSecret", UsePreviousValue: true });
  assert.deepEqual(param(update, "DatabaseKeys"), { ParameterKey: "DatabaseKeys", ParameterValue: next.appParameters.DatabaseKeys });
  assert.equal(w.cfn.secrets.get("site-lambda"), "the-old-secret");
  const keys = [...w.bucket.objects.keys()].sort();
  assert.deepEqual(keys, [...new Set([...old.artifacts, ...next.artifacts].map((a) => a.key)), "incoming/new.csv"].sort());
  assert.match(w.output.stderr(), /Updating stack site-lambda\.\.\./);
  assert.match(w.output.stderr(), /Deleted 1 unused artifact from the bucket\./);
});

test("unchanged input: no update call at all, zero bytes uploaded, 'no-op'", async () => {
  const b = await build();
  const w = await deployedWorld(b);
  const result = await deploySite(b, w.deps);
  assert.equal(result.type, "no-op");
  assert.deepEqual(result.uploaded, { files: 0, bytes: 0 });
  assert.equal(updates(w).length + creates(w).length, 0);
  assert.equal(artifactPuts(w), 0);
  assert.match(w.output.stderr(), /Stack site-lambda: no changes\./);
});

test("records what it deployed in live/deployed.json, for ls; unchanged databases write nothing; a failure is a warning", async () => {
  const b = await build();
  const db = b.artifacts[2]!;
  // The plan's data as of (the file's time, or --data-as-of) is what is recorded.
  b.plan = {
    ...b.plan,
    databases: [
      {
        name: "big",
        path: db.path,
        fileName: "big.db",
        bytes: db.bytes,
        sha256: db.sha256,
        tables: { t: { count: 2 } },
        location: "s3",
        key: db.key,
        dataAsOf: "2026-11-30T09:00:00Z",
        sources: ["/data/big.csv"],
      },
    ],
  } as DeployPlan;
  const w = world();
  await deploySite(b, w.deps);
  const record = JSON.parse(w.bucket.objects.get("live/deployed.json")?.toString() ?? "null") as { databases: unknown; deployedAt: string };
  assert.deepEqual(record.databases, {
    big: {
      sha256: db.sha256,
      bytes: db.bytes,
      tables: { t: { count: 2 } },
      dataAsOf: "2026-11-30T09:00:00Z",
      location: "s3",
      source: "big.csv",
    },
  });
  assert.match(record.deployedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

  const recordWrites = () =>
    w.bucket.mock
      .commandCalls(PutObjectCommand)
      .filter((call) => (call.args[0].input as PutObjectCommandInput).Key === "live/deployed.json").length;
  await deploySite(b, w.deps);
  assert.equal(recordWrites(), 1, "the same databases: not written again");

  w.bucket.mock
    .on(PutObjectCommand, { Key: "live/deployed.json" })
    .rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied" }));
  b.plan = { ...b.plan, databases: [{ ...b.plan.databases[0]!, tables: { t: { count: 3 } } }] };
  const result = await deploySite(b, w.deps);
  assert.equal(result.stack, "site");
  assert.match(
    w.output.stderr(),
    new RegExp(
      /warning: Could not record the deployed databases for ls /.source +
        /\(Writing s3:\/\/site-bucket-1a2b\/live\/deployed\.json failed: Access Denied\)/.source,
    ),
  );
});

test("CloudFormation's 'No updates are to be performed.' is a no-op too", async () => {
  const b = await build();
  const w = await deployedWorld(b);
  // The deployed template reads back differently (as moto or a reformatting might), so we ask.
  const app = w.cfn.stack("site-lambda") as FakeStack;
  app.template = `${APP}\n`;
  w.cfn.onUpdate = () => "no-updates";
  const result = await deploySite(b, w.deps);
  assert.equal(updates(w).length, 1);
  assert.equal(result.type, "no-op");
  assert.equal(result.url, "https://d111.cloudfront.net/");
});

test("a changed prerequisite template updates that stack", async () => {
  const b = await build();
  const w = await deployedWorld(b);
  (w.cfn.stack("site") as FakeStack).template = "Resources: {}\n";
  const result = await deploySite(b, w.deps);
  assert.deepEqual(
    updates(w).map((u) => [u.StackName, u.TemplateBody]),
    [["site", PREREQ]],
  );
  assert.equal(result.type, "deployed");
});

test("ROLLBACK_COMPLETE (failed first create) is deleted and created again, with a message", async () => {
  const b = await build();
  const w = await deployedWorld(b, "ROLLBACK_COMPLETE");
  const result = await deploySite(b, w.deps);
  assert.equal(result.type, "deployed");
  assert.equal(w.cfn.inputs(DeleteStackCommand).length, 1);
  assert.deepEqual(
    creates(w).map((c) => c.StackName),
    ["site-lambda"],
  );
  // A new stack gets a new secret.
  assert.deepEqual(param(creates(w)[0], "DatasetteSecret"), { ParameterKey: "DatasetteSecret", ParameterValue: SECRET });
  assert.match(
    w.output.stderr(),
    /Stack site-lambda is ROLLBACK_COMPLETE \(its first creation failed and it cannot be updated\): deleting it to create it again\./,
  );
});

test("UPDATE_ROLLBACK_FAILED stops with the exact continue-update-rollback advice, deleting nothing", async () => {
  const b = await build();
  const w = await deployedWorld(b, "UPDATE_ROLLBACK_FAILED");
  w.bucket.put("package/stale.zip", "x");
  await assert.rejects(deploySite(await build({ pkg: "package v2" }), w.deps), (error: unknown) => {
    assert.ok(error instanceof DeployError);
    assert.equal(error.exitCode, 1);
    assert.equal(error.message, "Stack site-lambda is UPDATE_ROLLBACK_FAILED: its last update failed and so did the rollback.");
    assert.match(error.hint ?? "", /`aws cloudformation continue-update-rollback --stack-name site-lambda --region eu-west-1`/);
    return true;
  });
  assert.equal(updates(w).length + w.cfn.inputs(DeleteStackCommand).length, 0);
  assert.equal(w.bucket.calls(DeleteObjectsCommand), 0);
});

test("a stack already UPDATE_IN_PROGRESS is waited for, then updated", async () => {
  const b = await build();
  const w = await deployedWorld(b, "UPDATE_IN_PROGRESS");
  const app = w.cfn.stack("site-lambda") as FakeStack;
  app.frames = [
    // Read first by the concurrency check (what the site reserves now), then by the deploy.
    { status: "UPDATE_IN_PROGRESS" },
    { status: "UPDATE_IN_PROGRESS", events: [resource("Function", "AWS::Lambda::Function", "UPDATE_COMPLETE")] },
    { status: "UPDATE_COMPLETE" },
  ];
  w.deps.pollMs = 5000;
  const result = await deploySite(await build({ layer: "layer v2" }), w.deps);
  assert.equal(result.type, "deployed");
  assert.equal(updates(w).length, 1);
  assert.ok(w.sleeps.every((ms) => ms === 5000));
  assert.match(w.output.stderr(), /Stack site-lambda is UPDATE_IN_PROGRESS; waiting for that to finish first\./);
});

test("a failed update names the first failing resource (cancelled ones ignored) and deletes nothing", async () => {
  const old = await build();
  const w = await deployedWorld(old);
  w.bucket.put("package/stale.zip", "x");
  w.cfn.onUpdate = () => [
    {
      status: "UPDATE_IN_PROGRESS",
      events: [
        resource("Role", "AWS::IAM::Role", "UPDATE_FAILED", "Resource update cancelled"),
        resource("Function", "AWS::Lambda::Function", "UPDATE_FAILED", "Unzipped size must be smaller than 262144000 bytes"),
        resource("Layer", "AWS::Lambda::LayerVersion", "UPDATE_FAILED", "Layer too big"),
      ],
    },
    { status: "UPDATE_ROLLBACK_IN_PROGRESS" },
    { status: "UPDATE_ROLLBACK_COMPLETE" },
  ];
  await assert.rejects(deploySite(await build({ pkg: "package v2" }), w.deps), (error: unknown) => {
    assert.ok(error instanceof DeployError);
    assert.equal(error.resource, "site-lambda");
    assert.equal(
      error.message,
      "Updating stack site-lambda failed (UPDATE_ROLLBACK_COMPLETE): " +
        "Function (AWS::Lambda::Function): Unzipped size must be smaller than 262144000 bytes",
    );
    assert.equal(error.reasons.length, 2);
    assert.match(error.hint ?? "", /rolled the stack back/);
    return true;
  });
  assert.equal(w.bucket.calls(DeleteObjectsCommand), 0);
  assert.ok(w.bucket.objects.has("package/stale.zip"));
  assert.deepEqual(leases(w), [], "the lease goes with a failed deploy too");
  // The failure was streamed as it happened.
  assert.match(w.output.stderr(), /Function +AWS::Lambda::Function +UPDATE_FAILED +Unzipped size/);
});

test("a failed first create says the next run recreates it", async () => {
  const w = world();
  w.cfn.onCreate = (input) =>
    input.StackName === "site-lambda"
      ? [
          {
            status: "CREATE_IN_PROGRESS",
            events: [resource("Function", "AWS::Lambda::Function", "CREATE_FAILED", "Runtime python2.7 is not supported")],
          },
          { status: "ROLLBACK_COMPLETE" },
        ]
      : [{ status: "CREATE_COMPLETE" }];
  await assert.rejects(deploySite(await build(), w.deps), (error: unknown) => {
    assert.ok(error instanceof DeployError);
    assert.match(
      error.message,
      /^Creating stack site-lambda failed \(ROLLBACK_COMPLETE\): Function \(AWS::Lambda::Function\): Runtime python2\.7/,
    );
    assert.match(error.hint ?? "", /deletes the failed stack and creates it anew/);
    return true;
  });
});

test("Ctrl-C during the upload: nothing deployed, the app stack untouched", async () => {
  const old = await build();
  const w = await deployedWorld(old);
  const controller = new AbortController();
  w.deps.signal = controller.signal;
  w.bucket.mock.on(PutObjectCommand).callsFake(async (input: PutObjectCommandInput) => {
    if (input.Key?.startsWith("deploys/"))
      w.bucket.put(input.Key, String(input.Body)); // the lease, before the upload
    else controller.abort();
    return { ETag: '"x"' };
  });
  await assert.rejects(deploySite(await build({ pkg: "package v2" }), w.deps), (error: unknown) => {
    assert.ok(error instanceof InterruptedError);
    assert.equal(error.exitCode, 130);
    assert.match(error.message, /nothing was deployed\. Run update-stack again to resume\./);
    return true;
  });
  assert.equal(updates(w).length, 0);
  assert.equal(w.bucket.calls(DeleteObjectsCommand), 0);
  assert.equal(artifactPuts(w), 1, "interrupted in the upload itself");
  assert.deepEqual(leases(w), [], "the lease is deleted on the way out");
});

test("Ctrl-C while waiting for the app stack: says it is still in progress and that running again carries on", async () => {
  const old = await build();
  const w = await deployedWorld(old);
  const controller = new AbortController();
  w.deps.signal = controller.signal;
  w.cfn.onUpdate = () => [{ status: "UPDATE_IN_PROGRESS" }, { status: "UPDATE_IN_PROGRESS" }, { status: "UPDATE_COMPLETE" }];
  w.deps.sleep = async () => {
    controller.abort();
    await new Promise(() => {});
  };
  await assert.rejects(deploySite(await build({ pkg: "package v2" }), w.deps), (error: unknown) => {
    assert.ok(error instanceof InterruptedError);
    assert.equal(
      error.message,
      "The stack site-lambda is still UPDATE_IN_PROGRESS in CloudFormation; " +
        "run update-stack again: it waits for it to finish and carries on.",
    );
    return true;
  });
  assert.equal(w.bucket.calls(DeleteObjectsCommand), 0);
});

test("the run's lease names the build's keys, is written before the bucket is looked at, and is deleted at the end", async () => {
  const w = await deployedWorld(await build());
  const next = await build({ pkg: "package v2" });
  await deploySite(next, w.deps);
  const calls = w.bucket.mock
    .calls()
    .map((call) => call.args[0] as { constructor: { name: string }; input: { Key?: string; Body?: unknown } });
  const leaseWrite = calls.findIndex((call) => call.constructor.name === "PutObjectCommand" && call.input.Key?.startsWith("deploys/"));
  const firstHead = calls.findIndex((call) => call.constructor.name === "HeadObjectCommand");
  assert.ok(leaseWrite >= 0 && leaseWrite < firstHead, "lease first, then HeadObject");
  assert.deepEqual(parseLease(String(calls[leaseWrite]?.input.Body)), next.artifacts.map((a) => a.key).sort());
  assert.deepEqual(leases(w), []);
});

test(
  "another run deploying at the same time: what its lease names, and what it deployed meanwhile, " + "survive this run's clean-up",
  async () => {
    const old = await build();
    const w = await deployedWorld(old);
    // Run B found its package and database already in the bucket (so they are old) and holds a lease.
    const b = await build({ pkg: "package of B", db: "database of B" });
    for (const a of b.artifacts) w.bucket.put(a.key, Buffer.alloc(a.bytes), YESTERDAY);
    w.bucket.put(
      "deploys/b.json",
      leaseBody(
        b.artifacts.map((a) => a.key),
        new Date(),
      ),
    );
    // Run C's update lands while this run cleans up; its lease is already gone.
    const c = await build({ pkg: "package of C" });
    w.bucket.put(c.appParameters.PackageKey!, "c", YESTERDAY);
    w.bucket.beforeList = (prefix) => {
      if (prefix !== "package/") return;
      const app = w.cfn.stack("site-lambda") as FakeStack;
      app.parameters = { ...app.parameters, PackageKey: c.appParameters.PackageKey! };
    };
    w.bucket.put("package/ancient.zip", "x", YESTERDAY);

    await deploySite(await build({ pkg: "package v2" }), w.deps);

    for (const a of [...b.artifacts, ...old.artifacts]) assert.ok(w.bucket.objects.has(a.key), a.key);
    assert.ok(w.bucket.objects.has(c.appParameters.PackageKey!), "the package the stack now runs");
    assert.equal(w.bucket.objects.has("package/ancient.zip"), false);
    assert.match(w.output.stderr(), /Deleted 1 unused artifact from the bucket\./);
  },
);

test("the app stack in progress at clean-up time (another deploy): nothing is deleted, said at --verbose only", async () => {
  const w = await deployedWorld(await build());
  const verbose = recordingOutput({ verbose: true });
  w.deps.out = verbose.out;
  w.bucket.put("package/ancient.zip", "x", YESTERDAY);
  w.bucket.beforeList = () => {
    (w.cfn.stack("site-lambda") as FakeStack).status = "UPDATE_IN_PROGRESS";
  };
  const result = await deploySite(await build({ pkg: "package v2" }), w.deps);
  assert.equal(result.type, "deployed");
  assert.ok(w.bucket.objects.has("package/ancient.zip"));
  assert.equal(w.bucket.calls(DeleteObjectsCommand), 0);
  assert.match(
    verbose.stderr(),
    /not deleting unused artifacts this time: stack site-lambda is UPDATE_IN_PROGRESS: another deploy is running/,
  );
  assert.doesNotMatch(w.output.stderr(), /not deleting/);
});

test("fresh garbage is kept for 15 minutes; deps.garbage.minAgeMs lowers that (tests use 0)", async () => {
  const w = await deployedWorld(await build());
  w.bucket.put("package/fresh.zip", "x");
  await deploySite(await build({ pkg: "package v2" }), w.deps);
  assert.ok(w.bucket.objects.has("package/fresh.zip"));

  w.deps.garbage = { minAgeMs: 0 };
  await deploySite(await build({ pkg: "package v3" }), w.deps);
  assert.equal(w.bucket.objects.has("package/fresh.zip"), false);
});

test(
  "--secret replaces the stored secret: sent as the value on update, never printed; " + "unchanged, CloudFormation's no-op stands",
  async () => {
    const chosen = "my-chosen-secret-value-7f3a";
    const b = await build();
    const w = await deployedWorld(b);
    const result = await deploySite(b, { ...w.deps, secret: chosen });
    assert.equal(result.type, "deployed");
    assert.deepEqual(param(updates(w)[0], "DatasetteSecret"), { ParameterKey: "DatasetteSecret", ParameterValue: chosen });
    assert.equal(w.cfn.secrets.get("site-lambda"), chosen);
    assert.doesNotMatch(w.output.stderr() + w.output.stdout() + JSON.stringify(result), new RegExp(chosen));

    w.cfn.onUpdate = () => "no-updates";
    const again = await deploySite(b, { ...w.deps, secret: chosen });
    assert.equal(again.type, "no-op");
    assert.doesNotMatch(w.output.stderr(), new RegExp(chosen));

    const created = world();
    await deploySite(b, { ...created.deps, secret: chosen });
    assert.deepEqual(param(creates(created)[1], "DatasetteSecret"), { ParameterKey: "DatasetteSecret", ParameterValue: chosen });
  },
);

test(
  "with SnapStart, a given secret is folded into the VersionFingerprint sent (a new version gets it); " + "without one, the build's stands",
  async () => {
    const plain = await build();
    const b: BuildResult = { ...plain, appParameters: { ...plain.appParameters, SnapStart: "true", VersionFingerprint: "f".repeat(64) } };
    const w = await deployedWorld(b);
    await deploySite(b, { ...w.deps, secret: "my-chosen-secret-value-7f3a" });
    const sent = param(updates(w)[0], "VersionFingerprint")?.ParameterValue;
    assert.match(sent ?? "", /^[0-9a-f]{64}$/);
    assert.notEqual(sent, "f".repeat(64));

    const kept = await deployedWorld(b);
    await deploySite({ ...b, appParameters: { ...b.appParameters, MemorySize: "2048" } }, kept.deps);
    assert.equal(param(updates(kept)[0], "VersionFingerprint")?.ParameterValue, "f".repeat(64));
  },
);

test(
  "--plugin-secret values: sent as the PluginSecrets value, never printed; " + "without any, the parameter is left to its default",
  async () => {
    const packed = JSON.stringify({ P_KEY: "plugin-value-91c2" });
    const b = await build();
    const w = await deployedWorld(b);
    w.cfn.noEcho.add("PluginSecrets");
    await deploySite(b, { ...w.deps, pluginSecrets: packed });
    assert.deepEqual(param(updates(w)[0], "PluginSecrets"), { ParameterKey: "PluginSecrets", ParameterValue: packed });
    assert.deepEqual(param(updates(w)[0], "DatasetteSecret"), { ParameterKey: "DatasetteSecret", UsePreviousValue: true });
    assert.doesNotMatch(w.output.stderr() + w.output.stdout(), /plugin-value-91c2/);

    const fresh = world();
    await deploySite(b, fresh.deps);
    assert.equal(param(creates(fresh)[1], "PluginSecrets"), undefined);
  },
);

test("--cors added to a deployed site updates the bucket stack with it; the same flags again change nothing", async () => {
  const deployed = await build();
  const w = await deployedWorld(deployed);
  const withCors = { ...deployed, prereqParameters: { Cors: "true" } };
  await deploySite(withCors, w.deps);
  assert.deepEqual(
    updates(w)
      .filter((u) => u.StackName === "site")
      .map((u) => u.Parameters),
    [[{ ParameterKey: "Cors", ParameterValue: "true" }]],
  );
  const again = await deploySite(withCors, w.deps);
  assert.equal(updates(w).filter((u) => u.StackName === "site").length, 1);
  assert.equal(again.type, "no-op");
});

// GetAccountSettings gives the account's Lambda concurrency; reservations are checked before any stack changes.
test("concurrency: the converter capped at 2 by default; a cap the account cannot reserve fails before any stack", async () => {
  const w = world();
  await deploySite(await build(), w.deps);
  assert.deepEqual(param(creates(w)[1], "ConverterMaxConcurrency"), { ParameterKey: "ConverterMaxConcurrency", ParameterValue: "2" });

  const small = world();
  const lambda = new FakeLambda();
  lambda.account = { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 };
  small.deps.clients = { ...small.deps.clients, lambda: lambda.client };
  await deploySite(await build(), small.deps);
  assert.equal(param(creates(small)[1], "ConverterMaxConcurrency")?.ParameterValue, "0");
  assert.match(small.output.stderr(), /converter of incoming\/ is not capped at 2/);

  const capped = world();
  capped.deps.clients = { ...capped.deps.clients, lambda: lambda.client };
  const b = await build();
  await assert.rejects(
    deploySite({ ...b, plan: { ...b.plan, maxInstances: 5 } }, capped.deps),
    /--max-instances 5: this account can reserve 0/,
  );
  assert.deepEqual(creates(capped), []);
});
