// "Nothing is left" after the smoke test's delete-stack, against mocked clients:
// each recorded thing is looked for again, as each API says "not there"
// (DescribeStacks' ValidationError, HeadBucket's 404, GetFunction's
// ResourceNotFoundException, GetDistribution's NoSuchDistribution).
import assert from "node:assert/strict";
import { test } from "node:test";
import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { CloudFrontClient, GetDistributionCommand } from "@aws-sdk/client-cloudfront";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { findLeftovers, nothingLeft, type SiteRecord } from "./leftovers.ts";

const credentials = { accessKeyId: "x", secretAccessKey: "y" };
const notFound = (name: string, status = 404) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

function clients(left: { stack?: boolean; bucket?: boolean; fn?: boolean; group?: boolean; distribution?: boolean; edge?: string[] }) {
  const cloudformation = new CloudFormationClient({ region: "eu-west-1", credentials });
  const usEast1Cloudformation = new CloudFormationClient({ region: "us-east-1", credentials });
  const s3 = new S3Client({ region: "eu-west-1", credentials });
  const lambda = new LambdaClient({ region: "eu-west-1", credentials });
  const usEast1Lambda = new LambdaClient({ region: "us-east-1", credentials });
  const logs = new CloudWatchLogsClient({ region: "eu-west-1", credentials });
  const cloudfront = new CloudFrontClient({ region: "us-east-1", credentials });
  const stackAnswer = () =>
    left.stack
      ? { Stacks: [{ StackName: "s", StackStatus: "DELETE_FAILED", CreationTime: new Date() }] }
      : Promise.reject(Object.assign(new Error("Stack with id s does not exist"), { name: "ValidationError" }));
  mockClient(cloudformation).on(DescribeStacksCommand).callsFake(stackAnswer);
  mockClient(usEast1Cloudformation).on(DescribeStacksCommand).callsFake(stackAnswer);
  mockClient(s3)
    .on(HeadBucketCommand)
    .callsFake(() => (left.bucket ? {} : Promise.reject(notFound("NotFound"))));
  mockClient(lambda)
    .on(GetFunctionCommand)
    .callsFake(() => (left.fn ? {} : Promise.reject(notFound("ResourceNotFoundException"))));
  mockClient(usEast1Lambda)
    .on(ListFunctionsCommand)
    .resolves({ Functions: (left.edge ?? []).map((FunctionName) => ({ FunctionName })) });
  mockClient(logs)
    .on(DescribeLogGroupsCommand)
    .resolves({ logGroups: left.group ? [{ logGroupName: "/aws/lambda/dlsmoke-1-lambda" }] : [] });
  mockClient(cloudfront)
    .on(GetDistributionCommand)
    .callsFake(() => (left.distribution ? {} : Promise.reject(notFound("NoSuchDistribution"))));
  return { cloudformation, usEast1Cloudformation, s3, lambda, usEast1Lambda, logs, cloudfront };
}

const RECORD: SiteRecord = {
  stacks: ["dlsmoke-1", "dlsmoke-1-lambda"],
  usEast1Stacks: ["datasette-lambda-shared"],
  bucket: "dlsmoke-1-bucket-abc",
  functions: ["dlsmoke-1-lambda"],
  logGroups: ["/aws/lambda/dlsmoke-1-lambda"],
  distributionId: "E1",
};

test("everything gone: every finding says so", async () => {
  const findings = await findLeftovers(clients({}), RECORD, true);
  assert.ok(
    findings.every((f) => f.state === "gone"),
    JSON.stringify(findings),
  );
  assert.equal(findings.length, 7);
  assert.ok(nothingLeft(findings));
});

test("something left is named; a replicated edge function is pending, not a failure", async () => {
  const left = await findLeftovers(clients({ bucket: true, group: true }), RECORD, false);
  assert.deepEqual(
    left.filter((f) => f.state === "left").map((f) => f.thing),
    ["bucket dlsmoke-1-bucket-abc", "log group /aws/lambda/dlsmoke-1-lambda"],
  );
  assert.ok(!nothingLeft(left));
  const pending = await findLeftovers(clients({ edge: ["datasette-lambda-edge-1a2b3c4d"] }), RECORD, true);
  assert.deepEqual(
    pending.filter((f) => f.state === "pending").map((f) => f.thing),
    ["Lambda@Edge function datasette-lambda-edge-1a2b3c4d (us-east-1)"],
  );
  assert.ok(nothingLeft(pending));
  // The account's shared parts stay (other sites): its edge function is not looked for.
  assert.equal(
    (await findLeftovers(clients({ edge: ["datasette-lambda-edge-1a2b3c4d"] }), RECORD, false)).some((f) => f.state === "pending"),
    false,
  );
});
