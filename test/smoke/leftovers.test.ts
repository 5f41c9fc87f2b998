// "Nothing is left" after the smoke test's delete-stack, against mocked clients:
// each recorded thing is looked for again, as each API says "not there"
// (DescribeStacks' ValidationError, HeadBucket's 404, GetFunction's
// ResourceNotFoundException, GetDistribution's NoSuchDistribution, DescribeVpcs'
// InvalidVpcID.NotFound, GetScheduleGroup's ResourceNotFoundException).
import assert from "node:assert/strict";
import { test } from "node:test";
import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { CloudFrontClient, GetDistributionCommand } from "@aws-sdk/client-cloudfront";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { GetScheduleGroupCommand, ListSchedulesCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { mockClient } from "aws-sdk-client-mock";
import { findLeftovers, nothingLeft, type SiteRecord } from "./leftovers.ts";

const credentials = { accessKeyId: "x", secretAccessKey: "y" };
const notFound = (name: string, status = 404) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

interface Left {
  stack?: boolean;
  bucket?: boolean;
  fn?: boolean;
  group?: boolean;
  distribution?: boolean;
  edge?: string[];
  vpc?: boolean;
  scheduleGroup?: "ACTIVE" | "DELETING";
  schedules?: string[];
}

function clients(left: Left) {
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
  const ec2 = new EC2Client({ region: "eu-west-1", credentials });
  mockClient(ec2)
    .on(DescribeVpcsCommand)
    .callsFake(() => (left.vpc ? { Vpcs: [{ VpcId: "vpc-1" }] } : Promise.reject(notFound("InvalidVpcID.NotFound", 400))));
  const scheduler = new SchedulerClient({ region: "eu-west-1", credentials });
  const schedulerMock = mockClient(scheduler);
  const groupMissing = () => Promise.reject(notFound("ResourceNotFoundException"));
  schedulerMock
    .on(GetScheduleGroupCommand)
    .callsFake(() => (left.scheduleGroup ? { Name: "g", State: left.scheduleGroup } : groupMissing()));
  schedulerMock
    .on(ListSchedulesCommand)
    .callsFake(() => (left.scheduleGroup ? { Schedules: (left.schedules ?? []).map((Name) => ({ Name })) } : groupMissing()));
  return { cloudformation, usEast1Cloudformation, s3, lambda, usEast1Lambda, logs, cloudfront, ec2, scheduler };
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

const IN_PLACE_RECORD: SiteRecord = {
  ...RECORD,
  stacks: [...RECORD.stacks, "dlsmoke-1-files"],
  vpcId: "vpc-0abc",
  scheduleGroup: "dlsmoke-1-lambda-schedules",
};

test("in place and scheduled: the files stack, its VPC, the schedule group and its schedules are looked for", async () => {
  const gone = await findLeftovers(clients({}), IN_PLACE_RECORD, false);
  assert.deepEqual(gone.map((f) => `${f.thing}: ${f.state}`).slice(-3), [
    "VPC vpc-0abc: gone",
    "schedule group dlsmoke-1-lambda-schedules: gone",
    "schedules in dlsmoke-1-lambda-schedules: gone",
  ]);
  assert.ok(gone.some((f) => f.thing === "stack dlsmoke-1-files" && f.state === "gone"));
  assert.ok(nothingLeft(gone));

  const left = await findLeftovers(
    clients({ stack: true, vpc: true, scheduleGroup: "ACTIVE", schedules: ["quakes-0123456789ab"] }),
    IN_PLACE_RECORD,
    false,
  );
  const named = (thing: string) => left.find((f) => f.thing === thing);
  assert.equal(named("stack dlsmoke-1-files")?.state, "left");
  assert.equal(named("VPC vpc-0abc")?.state, "left");
  assert.equal(named("schedule group dlsmoke-1-lambda-schedules")?.state, "left");
  assert.deepEqual(named("schedules in dlsmoke-1-lambda-schedules"), {
    thing: "schedules in dlsmoke-1-lambda-schedules",
    state: "left",
    detail: "quakes-0123456789ab",
  });
  assert.ok(!nothingLeft(left));
});

test("a schedule group Scheduler is still deleting is pending, with what is in it", async () => {
  const findings = await findLeftovers(clients({ scheduleGroup: "DELETING", schedules: ["quakes-0123456789ab"] }), IN_PLACE_RECORD, false);
  const group = findings.filter((f) => f.thing.includes("dlsmoke-1-lambda-schedules"));
  assert.deepEqual(
    group.map((f) => f.state),
    ["pending", "pending"],
  );
  assert.ok(nothingLeft(findings));
});
