// "Nothing is left": after delete-stack, each thing the smoke test's site had
// is looked for again. Recorded before the deletion (stack outputs), probed
// after it; a Lambda@Edge function CloudFront still has replicas of is
// "pending" (hours, by design), not left behind.
import { GetDistributionCommand } from "@aws-sdk/client-cloudfront";
import { DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { GetFunctionCommand } from "@aws-sdk/client-lambda";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import type { AwsClients } from "../../src/aws/clients.ts";
import { listEdgeFunctions } from "../../src/aws/edge-functions.ts";
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
}

export type Finding = { thing: string; state: "gone" | "left" | "pending"; detail?: string };

type Clients = Pick<AwsClients, "cloudformation" | "usEast1Cloudformation" | "s3" | "lambda" | "usEast1Lambda" | "logs" | "cloudfront">;

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

/** The run passes when nothing is left (pending edge functions are expected). */
export function nothingLeft(findings: Finding[]): boolean {
  return findings.every((finding) => finding.state !== "left");
}
