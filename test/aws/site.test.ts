import assert from "node:assert/strict";
import { test } from "node:test";
import { CloudFormationClient, DescribeStackResourcesCommand, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { mockClient } from "aws-sdk-client-mock";
import { UserError } from "../../src/errors.ts";
import { bucketOf, findSiteLogGroup, findStack, logGroupOf } from "../../src/aws/site.ts";

function cloudformation(region?: string) {
  const client = new CloudFormationClient({ ...(region ? { region } : {}), credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  return { client, mock: mockClient(client) };
}

function missing(name: string) {
  return Object.assign(new Error(`Stack with id ${name} does not exist`), { name: "ValidationError" });
}

test("findStack: outputs as a record; a missing stack is undefined, other errors are thrown", async () => {
  const { client, mock } = cloudformation("eu-west-1");
  mock.on(DescribeStacksCommand, { StackName: "site-lambda" }).resolves({
    Stacks: [
      {
        StackName: "site-lambda",
        StackId: "arn:stack/site-lambda/1",
        StackStatus: "UPDATE_COMPLETE",
        CreationTime: new Date(),
        Outputs: [{ OutputKey: "LogGroupName", OutputValue: "/aws/lambda/site-fn" }],
      },
    ],
  });
  mock.on(DescribeStacksCommand, { StackName: "gone" }).rejects(missing("gone"));
  mock.on(DescribeStacksCommand, { StackName: "denied" }).rejects(Object.assign(new Error("not authorized"), { name: "AccessDenied" }));
  assert.deepEqual(await findStack(client, "site-lambda"), {
    name: "site-lambda",
    stackId: "arn:stack/site-lambda/1",
    status: "UPDATE_COMPLETE",
    outputs: { LogGroupName: "/aws/lambda/site-fn" },
  });
  assert.equal(await findStack(client, "gone"), undefined);
  await assert.rejects(findStack(client, "denied"), /not authorized/);
});

test("the log group comes from the output, else the stack's log group or function resource", async () => {
  const { client, mock } = cloudformation("eu-west-1");
  const app = { name: "site-lambda", stackId: "id", status: "CREATE_COMPLETE", outputs: {} };
  mock
    .on(DescribeStackResourcesCommand)
    .resolvesOnce({
      StackResources: [
        {
          LogicalResourceId: "Function",
          PhysicalResourceId: "site-fn-123",
          ResourceType: "AWS::Lambda::Function",
          ResourceStatus: "CREATE_COMPLETE",
          Timestamp: new Date(),
        },
        {
          LogicalResourceId: "Logs",
          PhysicalResourceId: "/aws/lambda/site-fn-123",
          ResourceType: "AWS::Logs::LogGroup",
          ResourceStatus: "CREATE_COMPLETE",
          Timestamp: new Date(),
        },
      ],
    })
    .resolvesOnce({
      StackResources: [
        {
          LogicalResourceId: "Function",
          PhysicalResourceId: "site-fn-456",
          ResourceType: "AWS::Lambda::Function",
          ResourceStatus: "CREATE_COMPLETE",
          Timestamp: new Date(),
        },
      ],
    });
  assert.equal(await logGroupOf(client, { ...app, outputs: { LogGroupName: "/from/output" } }), "/from/output");
  assert.equal(await logGroupOf(client, app), "/aws/lambda/site-fn-123");
  assert.equal(await logGroupOf(client, app), "/aws/lambda/site-fn-456");
});

test("the bucket comes from the output, else the live bucket resource", async () => {
  const { client, mock } = cloudformation("eu-west-1");
  const prereq = { name: "site", stackId: "id", status: "DELETE_FAILED", outputs: {} };
  mock.on(DescribeStackResourcesCommand, { StackName: "site" }).resolves({
    StackResources: [
      {
        LogicalResourceId: "Bucket",
        PhysicalResourceId: "site-bucket-abc",
        ResourceType: "AWS::S3::Bucket",
        ResourceStatus: "DELETE_FAILED",
        Timestamp: new Date(),
      },
    ],
  });
  assert.equal(await bucketOf(client, { ...prereq, outputs: { BucketName: "out-bucket" } }), "out-bucket");
  assert.equal(await bucketOf(client, prereq), "site-bucket-abc");
});

test("a site that does not exist is a UserError naming the region, the stack and what to do", async () => {
  const { client, mock } = cloudformation("ap-south-1");
  mock.on(DescribeStacksCommand).rejects(missing("nosuch-lambda"));
  await assert.rejects(findSiteLogGroup(client, "nosuch", "ap-south-1"), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.equal(error.message, "No site named nosuch in ap-south-1 (stack nosuch-lambda not found).");
    assert.equal(error.hint, "Deploy it with update-stack, or check --region/--profile.");
    return true;
  });
});
