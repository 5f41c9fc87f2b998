import assert from "node:assert/strict";
import { test } from "node:test";
import { DeleteStackCommand, DescribeStacksCommand, type StackEvent } from "@aws-sdk/client-cloudformation";
import { AwsError, DeployError, InterruptedError } from "../../src/errors.ts";
import { latestEventId } from "../../src/aws/stack-events.ts";
import {
  deleteStackAndWait,
  describeStack,
  stackFailedError,
  stackOutputs,
  stackParameters,
  updateStack,
  waitForStack,
} from "../../src/aws/stacks.ts";
import { FakeCloudFormation, resource } from "../_helpers/fake-cloudformation.ts";

function recorder() {
  const sleeps: number[] = [];
  const events: StackEvent[] = [];
  return {
    sleeps,
    events,
    sleep: async (ms: number) => void sleeps.push(ms),
    onEvent: (event: StackEvent) => void events.push(event),
    names: () => events.map((e) => `${e.LogicalResourceId}:${e.ResourceStatus}`),
  };
}

test("describeStack: undefined for a missing stack, the stack otherwise", async () => {
  const cfn = new FakeCloudFormation();
  assert.equal(await describeStack(cfn.client, "nope"), undefined);
  cfn.addStack({ name: "site", status: "CREATE_COMPLETE", parameters: { A: "1" }, outputs: { BucketName: "b" } });
  const stack = await describeStack(cfn.client, "site");
  assert.equal(stack?.StackStatus, "CREATE_COMPLETE");
  assert.deepEqual(stackOutputs(stack), { BucketName: "b" });
  assert.deepEqual(stackParameters(stack), { A: "1" });
});

test("describeStack wraps other failures, naming the stack", async () => {
  const cfn = new FakeCloudFormation();
  cfn.mock.on(DescribeStacksCommand).rejects(Object.assign(new Error("User is not authorized"), { name: "AccessDenied" }));
  await assert.rejects(describeStack(cfn.client, "site"), (error: unknown) => {
    assert.ok(error instanceof AwsError);
    assert.equal(error.resource, "site");
    assert.match(error.message, /Reading stack site failed: User is not authorized/);
    assert.match(error.hint ?? "", /not allowed/);
    return true;
  });
});

test("waitForStack polls at the given interval until settled, streaming only this operation's events", async () => {
  const cfn = new FakeCloudFormation();
  const stack = cfn.addStack({ name: "site", status: "UPDATE_COMPLETE", events: [resource("Old", "T", "UPDATE_COMPLETE")] });
  const since = await latestEventId(cfn.client, "site");
  stack.status = "UPDATE_IN_PROGRESS";
  stack.frames = [
    { status: "UPDATE_IN_PROGRESS", events: [resource("Function", "AWS::Lambda::Function", "UPDATE_IN_PROGRESS")] },
    { status: "UPDATE_IN_PROGRESS", events: [resource("Function", "AWS::Lambda::Function", "UPDATE_COMPLETE")] },
    { status: "UPDATE_COMPLETE" },
  ];
  const r = recorder();
  const result = await waitForStack(
    cfn.client,
    "site",
    { pollMs: 3000, sleep: r.sleep, onEvent: r.onEvent },
    { stackId: stack.id, sinceEventId: since },
  );
  assert.equal(result.stack?.StackStatus, "UPDATE_COMPLETE");
  assert.deepEqual(result.failures, []);
  assert.deepEqual(r.sleeps, [3000, 3000]);
  assert.deepEqual(r.names(), ["Function:UPDATE_IN_PROGRESS", "Function:UPDATE_COMPLETE", "site:UPDATE_COMPLETE"]);
});

test("waitForStack defaults to a 2 s poll", async () => {
  const cfn = new FakeCloudFormation();
  cfn.addStack({ name: "site", status: "CREATE_IN_PROGRESS", frames: [{ status: "CREATE_IN_PROGRESS" }, { status: "CREATE_COMPLETE" }] });
  const r = recorder();
  await waitForStack(cfn.client, "site", { sleep: r.sleep });
  assert.deepEqual(r.sleeps, [2000]);
});

test("waitForStack returns the failures, first failing resource first", async () => {
  const cfn = new FakeCloudFormation();
  cfn.addStack({
    name: "site",
    status: "CREATE_IN_PROGRESS",
    frames: [
      {
        status: "ROLLBACK_IN_PROGRESS",
        events: [
          resource("Function", "AWS::Lambda::Function", "CREATE_FAILED", "Handler not found"),
          resource("Role", "AWS::IAM::Role", "CREATE_FAILED", "Resource creation cancelled"),
        ],
        reason: "The following resource(s) failed to create: [Function, Role].",
      },
      { status: "ROLLBACK_COMPLETE" },
    ],
  });
  const r = recorder();
  const result = await waitForStack(cfn.client, "site", { sleep: r.sleep });
  const error = stackFailedError("site", "Creating", result, "fix it");
  assert.equal(error.message, "Creating stack site failed (ROLLBACK_COMPLETE): Function (AWS::Lambda::Function): Handler not found");
  assert.deepEqual(error.reasons, [
    { logicalId: "Function", type: "AWS::Lambda::Function", status: "CREATE_FAILED", reason: "Handler not found" },
  ]);
  assert.equal(error.hint, "fix it");
  assert.equal(error.exitCode, 1);
});

test("without resource events (moto) the failure names the stack's status reason", () => {
  const error = stackFailedError("site", "Updating", {
    stack: {
      StackName: "site",
      StackStatus: "UPDATE_ROLLBACK_COMPLETE",
      StackStatusReason: "Template error: bad ref",
      CreationTime: new Date(),
    },
    failures: [],
  });
  assert.equal(error.message, "Updating stack site failed (UPDATE_ROLLBACK_COMPLETE): Template error: bad ref");
});

test("waitForStack stops on abort, naming the stack and its status", async () => {
  const cfn = new FakeCloudFormation();
  cfn.addStack({
    name: "site-lambda",
    status: "UPDATE_IN_PROGRESS",
    frames: [{ status: "UPDATE_IN_PROGRESS" }, { status: "UPDATE_IN_PROGRESS" }, { status: "UPDATE_COMPLETE" }],
  });
  const controller = new AbortController();
  let sleeps = 0;
  const sleep = async () => {
    sleeps++;
    controller.abort();
    await new Promise(() => {}); // a real timer would still be running
  };
  await assert.rejects(
    waitForStack(cfn.client, "site-lambda", { sleep, signal: controller.signal, command: "update-stack" }),
    (error: unknown) => {
      assert.ok(error instanceof InterruptedError);
      assert.equal(error.exitCode, 130);
      assert.equal(
        error.message,
        "The stack site-lambda is still UPDATE_IN_PROGRESS in CloudFormation; " +
          "run update-stack again: it waits for it to finish and carries on.",
      );
      return true;
    },
  );
  assert.equal(sleeps, 1);
});

test("updateStack: 'No updates are to be performed.' is no-updates, other errors are AwsErrors", async () => {
  const cfn = new FakeCloudFormation();
  cfn.addStack({ name: "site", status: "UPDATE_COMPLETE" });
  cfn.onUpdate = () => "no-updates";
  assert.equal(
    await updateStack(cfn.client, { stackName: "site", templateBody: "t", parameters: [{ ParameterKey: "A", ParameterValue: "1" }] }),
    "no-updates",
  );
  await assert.rejects(updateStack(cfn.client, { stackName: "gone", templateBody: "t", parameters: [] }), (error: unknown) => {
    assert.ok(error instanceof AwsError);
    assert.match(error.message, /^Updating stack gone failed: Stack with id gone does not exist/);
    return true;
  });
});

test("deleteStackAndWait: absent stack is a no-op", async () => {
  const cfn = new FakeCloudFormation();
  assert.equal(await deleteStackAndWait(cfn.client, "site", { sleep: async () => {} }), "absent");
  assert.equal(cfn.inputs(DeleteStackCommand).length, 0);
});

test("deleteStackAndWait deletes by stack id, streams the delete's events, and returns once gone", async () => {
  const cfn = new FakeCloudFormation();
  const stack = cfn.addStack({ name: "site", status: "ROLLBACK_COMPLETE", events: [resource("Old", "T", "CREATE_FAILED", "old reason")] });
  cfn.onDelete = () => [
    { status: "DELETE_IN_PROGRESS", events: [resource("Role", "AWS::IAM::Role", "DELETE_COMPLETE")] },
    { status: "DELETE_COMPLETE" },
  ];
  const r = recorder();
  assert.equal(await deleteStackAndWait(cfn.client, "site", { sleep: r.sleep, onEvent: r.onEvent }), "deleted");
  assert.deepEqual(cfn.inputs(DeleteStackCommand), [{ StackName: stack.id }]);
  assert.deepEqual(r.names(), ["site:DELETE_IN_PROGRESS", "Role:DELETE_COMPLETE", "site:DELETE_COMPLETE"]);
  assert.equal(cfn.stack("site"), undefined);
});

test("deleteStackAndWait waits for a running operation before deleting", async () => {
  const cfn = new FakeCloudFormation();
  cfn.addStack({ name: "site", status: "UPDATE_IN_PROGRESS", frames: [{ status: "UPDATE_IN_PROGRESS" }, { status: "UPDATE_COMPLETE" }] });
  const r = recorder();
  assert.equal(await deleteStackAndWait(cfn.client, "site", { sleep: r.sleep, onEvent: r.onEvent }), "deleted");
  // The update's events before we started waiting are not ours to show.
  assert.deepEqual(r.names(), ["site:UPDATE_COMPLETE", "site:DELETE_IN_PROGRESS", "site:DELETE_COMPLETE"]);
  assert.equal(cfn.inputs(DeleteStackCommand).length, 1);
});

test("deleteStackAndWait: DELETE_FAILED is a DeployError with the failing resource", async () => {
  const cfn = new FakeCloudFormation();
  cfn.addStack({ name: "site", status: "CREATE_COMPLETE" });
  cfn.onDelete = () => [
    {
      status: "DELETE_IN_PROGRESS",
      events: [resource("Bucket", "AWS::S3::Bucket", "DELETE_FAILED", "The bucket you tried to delete is not empty")],
    },
    { status: "DELETE_FAILED", reason: "The following resource(s) failed to delete: [Bucket]." },
  ];
  await assert.rejects(deleteStackAndWait(cfn.client, "site", { sleep: async () => {} }), (error: unknown) => {
    assert.ok(error instanceof DeployError);
    assert.equal(
      error.message,
      "Deleting stack site failed (DELETE_FAILED): Bucket (AWS::S3::Bucket): The bucket you tried to delete is not empty",
    );
    return true;
  });
});
