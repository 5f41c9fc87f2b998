// "Nothing is left": after delete-stack, each thing the smoke test's site had
// is looked for again. Recorded before the deletion (stack outputs), probed
// after it; a Lambda@Edge function CloudFront still has replicas of is
// "pending" (hours, by design), not left behind. With --in-place the
// NAME-files stack and its VPC are among them; every site has a schedule
// group, and neither it nor a schedule in it may be left.
import { GetDistributionCommand } from "@aws-sdk/client-cloudfront";
import { DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import { GetFunctionCommand } from "@aws-sdk/client-lambda";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { GetScheduleGroupCommand } from "@aws-sdk/client-scheduler";
import type { AwsClients } from "../../src/aws/clients.ts";
import { listEdgeFunctions } from "../../src/aws/edge-functions.ts";
import { scheduleNames } from "../../src/aws/schedules.ts";
import { describeStack } from "../../src/aws/stacks.ts";

/** What the site had, read before delete-stack. */
export interface SiteRecord {
  stacks: string[];
  /** In us-east-1: certificate stacks, and the shared stack when this was the account's last site. */
  usEast1Stacks: string[];
  bucket?: string;
  functions: string[];
  logGroups: string[];
  distributionId?: string;
  /** --in-place: the NAME-files stack's VPC (its Vpc resource); the stack itself is in `stacks`. */
  vpcId?: string;
  /** The app stack's ScheduleGroupName output. */
  scheduleGroup?: string;
}

export type Finding = { thing: string; state: "gone" | "left" | "pending"; detail?: string };

type Clients = Pick<
  AwsClients,
  "cloudformation" | "usEast1Cloudformation" | "s3" | "lambda" | "usEast1Lambda" | "logs" | "cloudfront" | "ec2" | "scheduler"
>;

const missing = (error: unknown, ...names: string[]) =>
  names.includes((error as { name?: string }).name ?? "") ||
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;

async function exists(probe: () => Promise<unknown>, ...missingNames: string[]): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (error) {
    if (missing(error, ...missingNames)) return false;
    throw error;
  }
}

/** Every recorded thing, gone or not; `sharedGone`: the account's last site was deleted, so its edge functions should go too. */
export async function findLeftovers(clients: Clients, record: SiteRecord, sharedGone: boolean): Promise<Finding[]> {
  const findings: Finding[] = [];
  const state = (present: boolean): Finding["state"] => (present ? "left" : "gone");
  for (const stack of record.stacks)
    findings.push({ thing: `stack ${stack}`, state: state(Boolean(await describeStack(clients.cloudformation, stack))) });
  for (const stack of record.usEast1Stacks) {
    findings.push({
      thing: `stack ${stack} (us-east-1)`,
      state: state(Boolean(await describeStack(clients.usEast1Cloudformation, stack))),
    });
  }
  if (record.bucket) {
    const bucket = record.bucket;
    findings.push({
      thing: `bucket ${bucket}`,
      state: state(await exists(() => clients.s3.send(new HeadBucketCommand({ Bucket: bucket })), "NotFound", "NoSuchBucket")),
    });
  }
  for (const name of record.functions) {
    findings.push({
      thing: `function ${name}`,
      state: state(await exists(() => clients.lambda.send(new GetFunctionCommand({ FunctionName: name })), "ResourceNotFoundException")),
    });
  }
  for (const group of record.logGroups) {
    const { logGroups } = await clients.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: group }));
    findings.push({ thing: `log group ${group}`, state: state((logGroups ?? []).some((g) => g.logGroupName === group)) });
  }
  if (record.distributionId) {
    const id = record.distributionId;
    findings.push({
      thing: `distribution ${id}`,
      state: state(await exists(() => clients.cloudfront.send(new GetDistributionCommand({ Id: id })), "NoSuchDistribution")),
    });
  }
  if (record.vpcId) {
    const id = record.vpcId;
    findings.push({
      thing: `VPC ${id}`,
      state: state(await exists(() => clients.ec2.send(new DescribeVpcsCommand({ VpcIds: [id] })), "InvalidVpcID.NotFound")),
    });
  }
  if (record.scheduleGroup) findings.push(...(await scheduleGroupFindings(clients.scheduler, record.scheduleGroup)));
  if (sharedGone) {
    for (const name of await listEdgeFunctions(clients.usEast1Lambda)) {
      findings.push({
        thing: `Lambda@Edge function ${name} (us-east-1)`,
        state: "pending",
        detail: "CloudFront deletes its replicas within hours; run delete-stack again later",
      });
    }
  }
  return findings;
}

/**
 * The schedule group and the schedules in it. Scheduler deletes a group, and
 * the schedules in it, asynchronously (DeleteScheduleGroup): a group still
 * DELETING, and what is in it, is pending, not left.
 */
async function scheduleGroupFindings(scheduler: Clients["scheduler"], group: string): Promise<Finding[]> {
  let groupState: string | undefined;
  const present = await exists(async () => {
    groupState = (await scheduler.send(new GetScheduleGroupCommand({ Name: group }))).State;
  }, "ResourceNotFoundException");
  const deleting = groupState === "DELETING";
  const detail = "EventBridge Scheduler deletes the group and its schedules in the background";
  const schedules = present ? await scheduleNames(scheduler, group) : [];
  const left: Finding["state"] = deleting ? "pending" : "left";
  return [
    { thing: `schedule group ${group}`, state: present ? left : "gone", ...(deleting ? { detail } : {}) },
    {
      thing: `schedules in ${group}`,
      state: schedules.length > 0 ? left : "gone",
      ...(schedules.length > 0 ? { detail: schedules.join(", ") } : {}),
    },
  ];
}

/** The run passes when nothing is left (pending edge functions are expected). */
export function nothingLeft(findings: Finding[]): boolean {
  return findings.every((finding) => finding.state !== "left");
}
