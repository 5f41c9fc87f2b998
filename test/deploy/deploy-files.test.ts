// --in-place's NAME-files stack from update-stack's side (src/deploy/deploy-files.ts):
// deployed before the app stack with the plan's parameters, its outputs handed on;
// left alone when it is not ours; deleted after an app deploy without --in-place,
// once Lambda has deleted the function's network interfaces (scripted here).
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { CreateStackCommand, type CreateStackCommandInput, DeleteStackCommand } from "@aws-sdk/client-cloudformation";
import { deployFiles, removeUnusedFiles } from "../../src/deploy/deploy-files.ts";
import type { StackContext } from "../../src/deploy/deploy-stack.ts";
import { AwsError, InterruptedError, UserError } from "../../src/errors.ts";
import { NO_FILES } from "../../src/plan/in-place.ts";
import { readTemplate } from "../../src/templates.ts";
import { FakeCloudFormation } from "../_helpers/fake-cloudformation.ts";
import { FakeNetworkInterfaces } from "../_helpers/fake-network-interfaces.ts";
import { samplePlan } from "../_helpers/plan.ts";
import { recordingOutput } from "../_helpers/recording-output.ts";

let FILES: string;
before(async () => {
  FILES = await readTemplate("files");
});

const OUTPUTS = {
  SubnetIds: "subnet-0aaaaaaaaaaaaaaaa,subnet-0bbbbbbbbbbbbbbbb",
  SecurityGroupId: "sg-0123456789abcdef0",
  AccessPointArn: "arn:aws:s3files:eu-west-1:123456789012:file-system/fs-0123456789abcdef0/access-point/fsap-0123456789abcdef0",
  FileSystemArn: "arn:aws:s3files:eu-west-1:123456789012:file-system/fs-0123456789abcdef0",
};

function world() {
  const cfn = new FakeCloudFormation();
  cfn.outputsFor = (stack) => (stack.name === "mysite-files" ? OUTPUTS : {});
  const ec2 = new FakeNetworkInterfaces();
  const output = recordingOutput();
  const sleeps: number[] = [];
  const context: StackContext = {
    info: (message) => output.out.info(message),
    wait: { sleep: async (ms) => void sleeps.push(ms), pollMs: 5 },
    siteName: "mysite",
  };
  return { cfn, ec2, output, context, sleeps, clients: { cloudformation: cfn.client, ec2: ec2.client } };
}

test("without --in-place nothing is deployed and the app gets empty file-system parameters", async () => {
  const w = world();
  const result = await deployFiles(w.clients, { plan: samplePlan(), filesTemplate: FILES }, "bucket-1", w.context);
  assert.deepEqual(result, { parameters: NO_FILES, deployment: undefined });
  assert.equal(w.cfn.mock.calls().length, 0);
});

test("--in-place=cached creates NAME-files from the plan, says mount targets take minutes, and hands its outputs on", async () => {
  const w = world();
  const plan = samplePlan({ inPlace: "cached", cacheDays: 30 });
  const result = await deployFiles(w.clients, { plan, filesTemplate: FILES }, "bucket-1", w.context);
  const [create] = w.cfn.inputs<CreateStackCommandInput>(CreateStackCommand);
  assert.equal(create?.StackName, "mysite-files");
  assert.equal(create?.TemplateBody, FILES);
  assert.deepEqual(create?.Capabilities, ["CAPABILITY_IAM"]);
  assert.deepEqual(Object.fromEntries((create?.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue])), {
    BucketName: "bucket-1",
    Cached: "true",
    CachedDays: "30",
  });
  assert.deepEqual(result.parameters, OUTPUTS);
  assert.equal(result.deployment?.type, "created");
  assert.match(w.output.stderr(), /--in-place: creating stack mysite-files: .*mount targets take a few minutes/);
});

test("an up-to-date NAME-files is a no-op that still hands its outputs on", async () => {
  const w = world();
  w.cfn.addStack({
    name: "mysite-files",
    status: "CREATE_COMPLETE",
    template: FILES,
    parameters: { BucketName: "bucket-1", Cached: "false", CachedDays: "7" },
    outputs: OUTPUTS,
  });
  const result = await deployFiles(w.clients, { plan: samplePlan({ inPlace: "direct" }), filesTemplate: FILES }, "bucket-1", w.context);
  assert.equal(result.deployment?.type, "no-op");
  assert.deepEqual(result.parameters, OUTPUTS);
  assert.doesNotMatch(w.output.stderr(), /creating stack/);
});

test("a NAME-files stack that datasette-lambda did not make is refused, untouched", async () => {
  const w = world();
  w.cfn.addStack({ name: "mysite-files", status: "CREATE_COMPLETE", template: "Description: someone else's\nResources: {}\n" });
  await assert.rejects(
    deployFiles(w.clients, { plan: samplePlan({ inPlace: "direct" }), filesTemplate: FILES }, "bucket-1", w.context),
    (error: unknown) => error instanceof UserError && /a stack of that name exists that datasette-lambda did not make/.test(error.message),
  );
  assert.equal(w.cfn.inputs(CreateStackCommand).length + w.cfn.inputs(DeleteStackCommand).length, 0);
});

test("a NAME-files stack without the outputs the app needs is an AwsError naming them", async () => {
  const w = world();
  w.cfn.outputsFor = () => ({ SubnetIds: OUTPUTS.SubnetIds });
  await assert.rejects(
    deployFiles(w.clients, { plan: samplePlan({ inPlace: "direct" }), filesTemplate: FILES }, "bucket-1", w.context),
    (error: unknown) => error instanceof AwsError && /has no SecurityGroupId, AccessPointArn, FileSystemArn output/.test(error.message),
  );
});

test("after an app deploy without --in-place: waits for the function's network interfaces, then deletes NAME-files", async () => {
  const w = world();
  w.cfn.addStack({ name: "mysite-files", status: "CREATE_COMPLETE", template: FILES, outputs: OUTPUTS });
  w.ec2.add(OUTPUTS.SecurityGroupId, "eni-0function", 2);
  const order: string[] = [];
  w.cfn.onDelete = (stack) => {
    order.push(`delete ${stack.name} after ${w.ec2.looks.length} looks`);
    return [{ status: "DELETE_COMPLETE" }];
  };
  assert.equal(await removeUnusedFiles(w.clients, samplePlan(), w.context, w.output.out), true);
  // Two looks see the interface, the third sees none: only then is the stack deleted.
  assert.deepEqual(order, ["delete mysite-files after 3 looks"]);
  assert.deepEqual(w.sleeps.slice(0, 2), [5, 5]);
  assert.match(w.output.stderr(), /No --in-place any more: deleting stack mysite-files once Lambda has deleted/);
  assert.match(w.output.stderr(), /Waiting for Lambda to delete the function's network interfaces in mysite-files/);
});

test("with --in-place, or with no NAME-files or another's, nothing is deleted", async () => {
  for (const [plan, template] of [
    [samplePlan({ inPlace: "direct" }), undefined],
    [samplePlan(), "Description: not ours\nResources: {}\n"],
    [samplePlan(), null],
  ] as const) {
    const w = world();
    if (template !== null)
      w.cfn.addStack({ name: "mysite-files", status: "CREATE_COMPLETE", template: template ?? FILES, outputs: OUTPUTS });
    assert.equal(await removeUnusedFiles(w.clients, plan, w.context, w.output.out), false);
    assert.equal(w.cfn.inputs(DeleteStackCommand).length, 0);
    assert.equal(w.ec2.looks.length, 0);
  }
});

test("a failure after the app deploy is a warning (the site is deployed; the next run finishes); Ctrl-C is not", async () => {
  const w = world();
  w.cfn.addStack({ name: "mysite-files", status: "CREATE_COMPLETE", template: FILES, outputs: OUTPUTS });
  w.cfn.onDelete = () => [{ status: "DELETE_FAILED", reason: "The subnet has dependencies" }];
  assert.equal(await removeUnusedFiles(w.clients, samplePlan(), w.context, w.output.out), false);
  assert.match(
    w.output.stderr(),
    /deployed without --in-place, but stack mysite-files is not deleted yet .*the next update-stack tries again/,
  );

  const interrupted = world();
  interrupted.cfn.addStack({ name: "mysite-files", status: "CREATE_COMPLETE", template: FILES, outputs: OUTPUTS });
  interrupted.ec2.add(OUTPUTS.SecurityGroupId, "eni-0function", 1_000);
  const controller = new AbortController();
  controller.abort();
  const context = { ...interrupted.context, wait: { ...interrupted.context.wait, signal: controller.signal } };
  await assert.rejects(removeUnusedFiles(interrupted.clients, samplePlan(), context, interrupted.output.out), InterruptedError);
  assert.equal(interrupted.cfn.inputs(DeleteStackCommand).length, 0);
});
