import assert from "node:assert/strict";
import { test } from "node:test";
import { DeleteStackCommand, DescribeStackResourcesCommand } from "@aws-sdk/client-cloudformation";
import { deleteAdvice, runDeleteStack, type DeleteStackDeps } from "../../src/commands/delete-stack.ts";
import { DeployError, InterruptedError, UserError } from "../../src/errors.ts";
import { noTerminalError } from "../../src/ui/confirm.ts";
import { FakeCloudFormation, resource } from "../_helpers/fake-cloudformation.ts";
import { FakeCloudFront } from "../_helpers/fake-cloudfront.ts";
import { FakeLambda } from "../_helpers/fake-lambda.ts";
import { FakeAcm } from "../_helpers/fake-acm.ts";
import { edgeFunctionOf } from "../../src/aws/edge-functions.ts";
import { FakeS3Versions, versionedEntries } from "../_helpers/fake-s3-versions.ts";
import { recordingOutput } from "../_helpers/recording-output.ts";

const BUCKET = "site-bucket-1a2b3c";

function setup(
  options: { app?: boolean; prereq?: boolean; bucket?: boolean; json?: boolean; entries?: number; distribution?: string } = {},
) {
  const cfn = new FakeCloudFormation();
  // us-east-1: the certificate and shared stacks (none unless a test adds them).
  const usEast1 = new FakeCloudFormation();
  const cloudfront = new FakeCloudFront();
  const lambda = new FakeLambda();
  const s3 = new FakeS3Versions();
  if (options.prereq !== false) cfn.addStack({ name: "site", status: "CREATE_COMPLETE", outputs: { BucketName: BUCKET } });
  if (options.app !== false) {
    const distribution: Record<string, string> = options.distribution ? { DistributionId: options.distribution } : {};
    cfn.addStack({ name: "site-lambda", status: "UPDATE_COMPLETE", outputs: { LogGroupName: "/aws/lambda/site-fn", ...distribution } });
  }
  if (options.bucket !== false) s3.add(BUCKET, { versioning: "Enabled", entries: versionedEntries(options.entries ?? 1200, 1, true) });
  const recorded = recordingOutput({ json: Boolean(options.json) });
  const questions: string[] = [];
  const deps: DeleteStackDeps = {
    clients: {
      cloudformation: cfn.client,
      s3: s3.client,
      usEast1Cloudformation: usEast1.client,
      cloudfront: cloudfront.client,
      usEast1Lambda: lambda.client,
      acm: new FakeAcm().client,
    },
    output: recorded.out,
    confirm: async (question) => {
      questions.push(question);
      return true;
    },
    sleep: async () => {},
    pollMs: 0,
  };
  return { cfn, usEast1, cloudfront, lambda, s3, recorded, deps, questions };
}

function deletedStacks(cfn: FakeCloudFormation): string[] {
  return cfn.inputs(DeleteStackCommand).map((input) => cfn.all.find((s) => s.id === input.StackName || s.name === input.StackName)!.name);
}

test("--yes: app stack, then the bucket emptied (versions, markers, several batches), then the prereq stack", async () => {
  const t = setup({ json: true });
  const order: string[] = [];
  t.s3.afterDelete = () => {
    if (!order.includes("bucket")) order.push("bucket");
    assert.equal(t.cfn.stack("site-lambda"), undefined, "the app stack is gone before the bucket is emptied");
    assert.ok(t.cfn.stack("site"), "the prereq stack is still there while emptying");
  };
  t.cfn.onDelete = (stack) => {
    order.push(stack.name);
    if (stack.name === "site") assert.equal(t.s3.buckets.get(BUCKET)?.entries.length, 0, "the bucket is empty before its stack is deleted");
    // The stack takes its (empty) bucket with it.
    if (stack.name === "site") t.s3.buckets.delete(BUCKET);
    return [
      { status: "DELETE_IN_PROGRESS", events: [resource("Thing", "AWS::X::Y", "DELETE_IN_PROGRESS")] },
      { status: "DELETE_COMPLETE", events: [resource("Thing", "AWS::X::Y", "DELETE_COMPLETE")] },
    ];
  };
  const result = await runDeleteStack("site", { yes: true }, t.deps);
  assert.deepEqual(order, ["site-lambda", "bucket", "site"]);
  assert.deepEqual(result, { stack: "site", deleted: ["site-lambda", `s3://${BUCKET}`, "site"], nothingToDelete: false });
  assert.deepEqual(t.s3.batches, [1000, 1000, 400]);
  assert.equal(t.questions.length, 0, "--yes asks nothing");
  assert.deepEqual(JSON.parse(t.recorded.stdout()), result);
  // Events were streamed as they happened.
  assert.match(t.recorded.stderr(), /Thing\s+AWS::X::Y\s+DELETE_COMPLETE/);
  assert.match(t.recorded.stderr(), /Deleting stack site-lambda \(UPDATE_COMPLETE\)/);
});

test("text result names what was deleted", async () => {
  const t = setup({ entries: 2 });
  t.cfn.onDelete = (stack) => {
    if (stack.name === "site") t.s3.buckets.delete(BUCKET);
    return [{ status: "DELETE_COMPLETE" }];
  };
  await runDeleteStack("site", { yes: true }, t.deps);
  assert.equal(
    t.recorded.stdout(),
    `Deleted the site site in eu-west-1: stack site-lambda, bucket ${BUCKET} (4 objects and versions emptied), stack site.\n`,
  );
});

test("both stacks gone: 'nothing to delete', exit normally, no question asked", async () => {
  const t = setup({ app: false, prereq: false, bucket: false, json: true });
  const result = await runDeleteStack("site", {}, t.deps);
  assert.deepEqual(result, { stack: "site", deleted: [], nothingToDelete: true });
  assert.deepEqual(JSON.parse(t.recorded.stdout()), { stack: "site", deleted: [], nothingToDelete: true });
  assert.equal(t.questions.length, 0);
  assert.equal(t.cfn.inputs(DeleteStackCommand).length, 0);

  const text = setup({ app: false, prereq: false, bucket: false });
  await runDeleteStack("site", { yes: true }, text.deps);
  assert.match(text.recorded.stdout(), /^Nothing to delete: no site named site in eu-west-1/);
});

// The shared CloudFront stack (us-east-1) goes with the last site whose distribution used it.
const SHARED = { CachePolicyId: "policy-pages", StaticCachePolicyId: "policy-static" };

test("the last site with CloudFront: its stacks, then the unused shared stack", async () => {
  const t = setup({ bucket: false, json: true, distribution: "E1THISSITE" });
  t.usEast1.addStack({ name: "datasette-lambda-shared", status: "CREATE_COMPLETE", outputs: SHARED });
  const result = await runDeleteStack("site", { yes: true }, t.deps);
  assert.deepEqual(result.deleted, ["site-lambda", "site", "datasette-lambda-shared"]);
  assert.equal(t.usEast1.stack("datasette-lambda-shared"), undefined);
});

test("another site still uses the shared parts: they stay; a site without CloudFront never looks", async () => {
  const t = setup({ bucket: false, distribution: "E1THISSITE" });
  t.usEast1.addStack({ name: "datasette-lambda-shared", status: "CREATE_COMPLETE", outputs: SHARED });
  t.cloudfront.users.set("policy-pages", ["E2OTHERSITE"]);
  const result = await runDeleteStack("site", { yes: true }, t.deps);
  assert.deepEqual(result.deleted, ["site-lambda", "site"]);
  assert.ok(t.usEast1.stack("datasette-lambda-shared"));
  assert.match(t.recorded.stderr(), /Shared CloudFront stack datasette-lambda-shared kept: 1 other distribution uses it/);

  const noCdn = setup({ bucket: false });
  noCdn.usEast1.addStack({ name: "datasette-lambda-shared", status: "CREATE_COMPLETE", outputs: SHARED });
  await runDeleteStack("site", { yes: true }, noCdn.deps);
  assert.equal(noCdn.cloudfront.calls(), 0);
  assert.ok(noCdn.usEast1.stack("datasette-lambda-shared"));
});

test("nothing left of the site, but an unused shared stack (an earlier run could not delete it): finished off", async () => {
  const t = setup({ app: false, prereq: false, bucket: false });
  const stack = t.usEast1.addStack({ name: "datasette-lambda-shared", status: "CREATE_COMPLETE", outputs: SHARED });
  t.lambda.functions.add(edgeFunctionOf(stack.id));
  const result = await runDeleteStack("site", { yes: true }, t.deps);
  assert.deepEqual(result, {
    stack: "site",
    deleted: ["datasette-lambda-shared", `lambda:${edgeFunctionOf(stack.id)}`],
    nothingToDelete: true,
  });
  assert.match(
    t.recorded.stdout(),
    /Nothing to delete: .* Deleted what no site uses any more: stack datasette-lambda-shared, Lambda@Edge function datasette-lambda-edge-/,
  );
});

// Lambda refuses to delete the edge function for hours after the last distribution goes:
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-edge-delete-replicas.html
test("the last site's edge function still has replicas: the site is deleted, the function pending with what to run later", async () => {
  const t = setup({ bucket: false, json: true, distribution: "E1THISSITE" });
  const stack = t.usEast1.addStack({ name: "datasette-lambda-shared", status: "CREATE_COMPLETE", outputs: SHARED });
  const edge = edgeFunctionOf(stack.id);
  t.lambda.functions.add(edge);
  t.lambda.replicated.add(edge);
  const result = await runDeleteStack("site", { yes: true }, t.deps);
  assert.deepEqual(result, {
    stack: "site",
    deleted: ["site-lambda", "site", "datasette-lambda-shared"],
    nothingToDelete: false,
    pending: [edge],
  });
  assert.match(t.recorded.stderr(), /cannot be deleted yet: .* Run `datasette-lambda delete-stack site` again later/);

  // Hours later: the same command finishes it.
  t.lambda.replicated.clear();
  const again = await runDeleteStack("site", { yes: true }, t.deps);
  assert.deepEqual(again, { stack: "site", deleted: [`lambda:${edge}`], nothingToDelete: true });
});

test("half deleted (app stack gone): the bucket is emptied and the prereq stack deleted", async () => {
  const t = setup({ app: false, entries: 5 });
  t.cfn.onDelete = () => {
    t.s3.buckets.delete(BUCKET);
    return [{ status: "DELETE_COMPLETE" }];
  };
  const result = await runDeleteStack("site", { yes: true }, t.deps);
  assert.deepEqual(result.deleted, [`s3://${BUCKET}`, "site"]);
  assert.deepEqual(deletedStacks(t.cfn), ["site"]);
});

test("half deleted (prereq stack gone): the app stack is deleted", async () => {
  const t = setup({ prereq: false, bucket: false });
  const result = await runDeleteStack("site", { yes: true }, t.deps);
  assert.deepEqual(result.deleted, ["site-lambda"]);
});

test("bucket already gone: skipped, the prereq stack is still deleted", async () => {
  const t = setup({ bucket: false });
  const result = await runDeleteStack("site", { yes: true }, t.deps);
  assert.deepEqual(result.deleted, ["site-lambda", "site"]);
  assert.equal(t.s3.batches.length, 0);
});

test("a bucket that outlives its stack (moto, Retain) is emptied and deleted too", async () => {
  const t = setup({ entries: 3 });
  t.cfn.onDelete = (stack) => {
    // Something writes one more object as the stack goes; the bucket stays.
    if (stack.name === "site") t.s3.buckets.get(BUCKET)!.entries.push({ key: "late", versionId: "1" });
    return [{ status: "DELETE_COMPLETE" }];
  };
  const result = await runDeleteStack("site", { yes: true }, t.deps);
  assert.equal(t.s3.buckets.has(BUCKET), false);
  assert.deepEqual(result.deleted, ["site-lambda", `s3://${BUCKET}`, "site"]);
  assert.match(t.recorded.stderr(), /outlived its stack/);
});

test("the bucket is found from the stack's resources when there is no BucketName output", async () => {
  const t = setup({ prereq: false, entries: 2 });
  t.cfn.addStack({ name: "site", status: "DELETE_FAILED", outputs: {} });
  t.cfn.mock.on(DescribeStackResourcesCommand, { StackName: "site" }).resolves({
    StackResources: [
      {
        LogicalResourceId: "Bucket",
        PhysicalResourceId: BUCKET,
        ResourceType: "AWS::S3::Bucket",
        ResourceStatus: "DELETE_FAILED",
        Timestamp: new Date(),
      },
    ],
  });
  t.cfn.onDelete = (stack) => {
    if (stack.name === "site") t.s3.buckets.delete(BUCKET);
    return [{ status: "DELETE_COMPLETE" }];
  };
  const result = await runDeleteStack("site", { yes: true }, t.deps);
  assert.deepEqual(result.deleted, ["site-lambda", `s3://${BUCKET}`, "site"]);
  assert.equal(t.s3.batches.length, 1);
});

test("on a terminal without --yes: shows what will go and asks; 'no' deletes nothing", async () => {
  const t = setup({ entries: 2, json: true });
  t.deps.confirm = async (question) => {
    t.questions.push(question);
    return false;
  };
  const result = await runDeleteStack("site", {}, t.deps);
  assert.equal(t.questions.length, 1);
  const question = t.questions[0]!;
  assert.match(question, /This deletes the site site in eu-west-1:/);
  assert.match(question, /stack site-lambda \(UPDATE_COMPLETE\): the function/);
  assert.match(question, new RegExp(`bucket ${BUCKET}: 4 objects and versions`));
  assert.match(question, /stack site \(CREATE_COMPLETE\): the bucket/);
  assert.match(question, /Delete it\?$/);
  assert.deepEqual(result, { stack: "site", deleted: [], nothingToDelete: false, cancelled: true });
  assert.equal(t.cfn.inputs(DeleteStackCommand).length, 0);
  assert.equal(t.s3.batches.length, 0);
});

test("a large bucket is counted cheaply: one listing, 'more than 1,000'", async () => {
  const t = setup({ entries: 3000 });
  t.deps.confirm = async (question) => {
    t.questions.push(question);
    return false;
  };
  await runDeleteStack("site", {}, t.deps);
  assert.match(t.questions[0]!, /more than 1,000 objects and versions/);
});

test("no terminal and no --yes: refused with a UserError naming --yes, nothing deleted", async () => {
  const t = setup();
  t.deps.confirm = async (_question, action) => {
    throw noTerminalError(action);
  };
  await assert.rejects(runDeleteStack("site", {}, t.deps), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.match(error.message, /Refusing to delete the site site without confirmation/);
    assert.match(error.hint ?? "", /--yes/);
    return true;
  });
  assert.equal(t.cfn.inputs(DeleteStackCommand).length, 0);
  assert.equal(t.s3.batches.length, 0);
});

test("DELETE_FAILED on the bucket: the resource, the reason and what to do", async () => {
  const t = setup({ entries: 1 });
  t.cfn.onDelete = (stack) =>
    stack.name === "site"
      ? [
          { status: "DELETE_IN_PROGRESS" },
          {
            status: "DELETE_FAILED",
            events: [resource("Bucket", "AWS::S3::Bucket", "DELETE_FAILED", "The bucket you tried to delete is not empty")],
            reason: "The following resource(s) failed to delete: [Bucket].",
          },
        ]
      : [{ status: "DELETE_COMPLETE" }];
  await assert.rejects(runDeleteStack("site", { yes: true }, t.deps), (error: unknown) => {
    assert.ok(error instanceof DeployError);
    assert.match(
      error.message,
      /Deleting stack site failed \(DELETE_FAILED\): Bucket \(AWS::S3::Bucket\): The bucket you tried to delete is not empty/,
    );
    assert.equal(
      error.hint,
      `Empty bucket ${BUCKET} by hand (S3 console: Empty, which removes every version), then run delete-stack site again.`,
    );
    return true;
  });
});

test("DELETE_FAILED on another resource: retain advice with the exact command", async () => {
  const t = setup({ entries: 1 });
  t.cfn.onDelete = (stack) =>
    stack.name === "site-lambda"
      ? [
          {
            status: "DELETE_FAILED",
            events: [resource("Role", "AWS::IAM::Role", "DELETE_FAILED", "Cannot delete entity, must detach all policies first.")],
          },
        ]
      : [{ status: "DELETE_COMPLETE" }];
  await assert.rejects(runDeleteStack("site", { yes: true }, t.deps), (error: unknown) => {
    assert.ok(error instanceof DeployError);
    assert.match(error.message, /Role \(AWS::IAM::Role\): Cannot delete entity/);
    assert.match(error.hint ?? "", /run delete-stack site again/);
    assert.match(error.hint ?? "", /aws cloudformation delete-stack --stack-name site-lambda --retain-resources Role --region eu-west-1/);
    return true;
  });
  // The bucket is left alone while the app stack still stands.
  assert.equal(t.s3.batches.length, 0);
  assert.equal(deletedStacks(t.cfn).includes("site"), false);
});

test("a stack left in DELETE_FAILED by an earlier run is deleted again", async () => {
  const t = setup({ app: false, entries: 1 });
  t.cfn.stack("site")!.status = "DELETE_FAILED";
  t.cfn.onDelete = () => {
    t.s3.buckets.delete(BUCKET);
    return [{ status: "DELETE_COMPLETE" }];
  };
  const result = await runDeleteStack("site", { yes: true }, t.deps);
  assert.deepEqual(result.deleted, [`s3://${BUCKET}`, "site"]);
});

test("Ctrl-C while waiting: stops with advice to run again (exit 130)", async () => {
  const t = setup({ entries: 1 });
  const controller = new AbortController();
  t.cfn.onDelete = () => [{ status: "DELETE_IN_PROGRESS" }, { status: "DELETE_IN_PROGRESS" }, { status: "DELETE_COMPLETE" }];
  t.deps.signal = controller.signal;
  t.deps.sleep = async () => controller.abort();
  await assert.rejects(runDeleteStack("site", { yes: true }, t.deps), (error: unknown) => {
    return error instanceof InterruptedError && error.exitCode === 130 && /run delete-stack site again/.test(error.message);
  });
});

test("deleteAdvice reads the failed resources' fields: a bucket says empty it; others are named for --retain-resources", () => {
  const failure = (logicalId: string, type: string | undefined) => ({ logicalId, type, status: "DELETE_FAILED", reason: "no" });
  assert.match(
    deleteAdvice([failure("Bucket", "AWS::S3::Bucket")], "site", "site", "eu-west-1", BUCKET),
    /^Empty bucket site-bucket-1a2b3c by hand/,
  );
  // The bucket already gone: nothing to empty, so the retain advice.
  assert.match(
    deleteAdvice([failure("Bucket", "AWS::S3::Bucket")], "site", "site", "eu-west-1", undefined),
    /--retain-resources Bucket --region eu-west-1/,
  );
  const advice = deleteAdvice(
    [
      failure("Role", "AWS::IAM::Role"),
      failure("Policy", undefined),
      failure("Role", "AWS::IAM::Role"),
      failure("site-lambda", "AWS::CloudFormation::Stack"),
    ],
    "site",
    "site-lambda",
    "eu-west-1",
    BUCKET,
  );
  assert.match(advice, /--stack-name site-lambda --retain-resources Role Policy --region eu-west-1, then delete them yourself\.$/);
  assert.equal(
    deleteAdvice([failure("site-lambda", "AWS::CloudFormation::Stack")], "site", "site-lambda", "eu-west-1", BUCKET),
    "Fix the cause above, then run delete-stack site again.",
  );
});

// ACM refuses to delete a certificate it still counts in use, and its count lags behind
// CloudFront (https://docs.aws.amazon.com/acm/latest/APIReference/API_DeleteCertificate.html):
// the site is deleted all the same, and the certificate is left with the command to run.
test("a certificate ACM still holds: a warning with the command; the bucket and its stack are deleted all the same", async () => {
  const t = setup({ bucket: false, json: true });
  const certificate = "site-certificate-1a2b3c4d";
  const arn = "arn:aws:acm:us-east-1:123456789012:certificate/c1";
  t.usEast1.addStack({ name: certificate, status: "CREATE_COMPLETE", outputs: { CertificateArn: arn, DomainName: "data.example.com" } });
  const acm = new FakeAcm();
  acm.certificates.set(arn, { inUseBy: ["arn:aws:cloudfront::123456789012:distribution/E1"], lag: Number.POSITIVE_INFINITY });
  t.deps.clients = { ...t.deps.clients, acm: acm.client };
  t.deps.certificateWait = { pollMs: 1, maxWaitMs: 3 };
  const result = await runDeleteStack("site", { yes: true }, t.deps);
  assert.deepEqual(result.deleted, ["site-lambda", "site"]);
  assert.ok(t.usEast1.stack(certificate), "left for a later run");
  assert.match(
    t.recorded.stderr(),
    /The old certificate \(stack site-certificate-1a2b3c4d, us-east-1\) is still counted as in use by CloudFront/,
  );

  // Later, once ACM lets go: the same command finishes it.
  acm.certificates.set(arn, { inUseBy: [], lag: 0 });
  const again = await runDeleteStack("site", { yes: true }, t.deps);
  assert.deepEqual(again.deleted, [certificate]);
});
