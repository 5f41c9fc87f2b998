import assert from "node:assert/strict";
import { test } from "node:test";
import { DescribeStacksCommand, type StackEvent } from "@aws-sdk/client-cloudformation";
import { describeFailure, isFailureEvent, latestEventId, StackEventPoller } from "../../src/aws/stack-events.ts";
import { FakeCloudFormation, resource } from "../_helpers/fake-cloudformation.ts";

const ids = (events: StackEvent[]) => events.map((e) => `${e.LogicalResourceId}:${e.ResourceStatus}`);

test("poller: only events after the marker, oldest first, each once, across pages", async () => {
  const cfn = new FakeCloudFormation();
  const stack = cfn.addStack({
    name: "site",
    status: "UPDATE_COMPLETE",
    events: [resource("Old1", "AWS::S3::Bucket", "CREATE_COMPLETE"), resource("Old2", "AWS::S3::Bucket", "UPDATE_COMPLETE")],
  });
  const marker = await latestEventId(cfn.client, "site");
  assert.equal(marker, stack.events[0]?.EventId);

  // Five new events: more than one page of three.
  stack.frames = [
    {
      status: "UPDATE_IN_PROGRESS",
      events: [
        resource("A", "T", "UPDATE_IN_PROGRESS"),
        resource("B", "T", "UPDATE_IN_PROGRESS"),
        resource("A", "T", "UPDATE_COMPLETE"),
        resource("B", "T", "UPDATE_COMPLETE"),
      ],
    },
    { status: "UPDATE_COMPLETE" },
  ];
  const poller = new StackEventPoller(cfn.client, stack.id, marker);
  await cfn.client.send(new DescribeStacksCommand({ StackName: "site" })); // plays the next frame
  assert.deepEqual(ids(await poller.poll()), [
    "A:UPDATE_IN_PROGRESS",
    "B:UPDATE_IN_PROGRESS",
    "A:UPDATE_COMPLETE",
    "B:UPDATE_COMPLETE",
    "site:UPDATE_IN_PROGRESS",
  ]);
  // Nothing new: nothing repeated.
  assert.deepEqual(await poller.poll(), []);
  await cfn.client.send(new DescribeStacksCommand({ StackName: "site" })); // plays the next frame
  assert.deepEqual(ids(await poller.poll()), ["site:UPDATE_COMPLETE"]);
});

test("poller: no marker on a new stack reads all its events; a missing stack reads none", async () => {
  const cfn = new FakeCloudFormation();
  cfn.addStack({
    name: "site",
    status: "CREATE_COMPLETE",
    events: [resource("A", "T", "CREATE_IN_PROGRESS"), resource("A", "T", "CREATE_COMPLETE")],
  });
  assert.deepEqual(ids(await new StackEventPoller(cfn.client, "site").poll()), ["A:CREATE_IN_PROGRESS", "A:CREATE_COMPLETE"]);
  assert.deepEqual(await new StackEventPoller(cfn.client, "gone").poll(), []);
  assert.equal(await latestEventId(cfn.client, "gone"), undefined);
});

test("poller collects failures oldest first and ignores cancelled resources", async () => {
  const cfn = new FakeCloudFormation();
  cfn.addStack({
    name: "site",
    status: "ROLLBACK_COMPLETE",
    events: [
      resource("Role", "AWS::IAM::Role", "CREATE_FAILED", "Resource creation cancelled"),
      resource("Function", "AWS::Lambda::Function", "CREATE_FAILED", "Layer version arn:x does not exist"),
      resource("Url", "AWS::Lambda::Url", "CREATE_FAILED", "Resource update cancelled"),
      resource("site", "AWS::CloudFormation::Stack", "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [Function]."),
      resource("Bucket", "AWS::S3::Bucket", "DELETE_FAILED", "Bucket not empty"),
    ],
  });
  const poller = new StackEventPoller(cfn.client, "site");
  await poller.poll();
  assert.deepEqual(poller.failures, [
    { logicalId: "Function", type: "AWS::Lambda::Function", status: "CREATE_FAILED", reason: "Layer version arn:x does not exist" },
    { logicalId: "Bucket", type: "AWS::S3::Bucket", status: "DELETE_FAILED", reason: "Bucket not empty" },
  ]);
  assert.deepEqual(poller.failures.map(describeFailure), [
    "Function (AWS::Lambda::Function): Layer version arn:x does not exist",
    "Bucket (AWS::S3::Bucket): Bucket not empty",
  ]);
});

test("describeFailure: without a type, the logical id alone; without a reason, the status", () => {
  assert.equal(
    describeFailure({ logicalId: "site", type: undefined, status: "UPDATE_FAILED", reason: "Template error" }),
    "site: Template error",
  );
  assert.equal(
    describeFailure({ logicalId: "Role", type: "AWS::IAM::Role", status: "DELETE_FAILED", reason: undefined }),
    "Role (AWS::IAM::Role): DELETE_FAILED",
  );
});

test("isFailureEvent: *_FAILED with a reason that is not a cancellation", () => {
  assert.equal(isFailureEvent({ ResourceStatus: "UPDATE_FAILED", ResourceStatusReason: "boom" } as StackEvent), true);
  assert.equal(
    isFailureEvent({ ResourceStatus: "CREATE_FAILED", ResourceStatusReason: "Resource creation cancelled" } as StackEvent),
    false,
  );
  assert.equal(isFailureEvent({ ResourceStatus: "CREATE_COMPLETE" } as StackEvent), false);
});
