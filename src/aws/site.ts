// Where a site's parts are: the stacks NAME (bucket) and NAME-lambda (app),
// the bucket and the function's log group, read from stack outputs and, for
// stacks deployed by older templates or half deleted, from stack resources.
// Nothing here is hard-coded beyond the stack naming contract.
import { DescribeStackResourcesCommand, type StackStatus } from "@aws-sdk/client-cloudformation";
import { UserError } from "../errors.ts";
import { appStackName, isCertificateStackName } from "../plan/stack-names.ts";
import type { CloudFormation } from "./clients.ts";
import { toAwsError } from "./aws-error.ts";
import { describeStack, listStackNames, stackOutputs } from "./stacks.ts";
import { isStackMissingError } from "./tolerated-errors.ts";

export interface StackInfo {
  name: string;
  stackId: string;
  status: StackStatus | string;
  outputs: Record<string, string>;
}

export interface StackResourceInfo {
  logicalId: string;
  physicalId: string | undefined;
  type: string;
  status: string;
}

/** The stack with its outputs, or undefined when there is none (deleted stacks included). */
export async function findStack(cloudformation: CloudFormation, name: string): Promise<StackInfo | undefined> {
  const stack = await describeStack(cloudformation, name);
  if (!stack) return undefined;
  return { name, stackId: stack.StackId ?? name, status: stack.StackStatus ?? "UNKNOWN", outputs: stackOutputs(stack) };
}

/**
 * The site's certificate stacks (us-east-1 client), of any --domain it had. A
 * stack of that name with a BucketName output is another site's bucket stack
 * (a site may be named like one), not a certificate's.
 */
export async function findCertificateStacks(usEast1: CloudFormation, site: string): Promise<StackInfo[]> {
  const names = await listStackNames(usEast1, (name) => isCertificateStackName(site, name));
  const stacks = await Promise.all(names.map((name) => findStack(usEast1, name)));
  return stacks.filter((stack): stack is StackInfo => stack !== undefined && !("BucketName" in stack.outputs));
}

export async function stackResources(cloudformation: CloudFormation, stackName: string): Promise<StackResourceInfo[]> {
  try {
    const { StackResources } = await cloudformation.send(new DescribeStackResourcesCommand({ StackName: stackName }));
    return (StackResources ?? []).map((resource) => ({
      logicalId: resource.LogicalResourceId ?? "",
      physicalId: resource.PhysicalResourceId,
      type: resource.ResourceType ?? "",
      status: resource.ResourceStatus ?? "",
    }));
  } catch (error) {
    if (isStackMissingError(error)) return [];
    throw toAwsError(error, `Reading the resources of stack ${stackName}`, stackName);
  }
}

function liveResource(resources: StackResourceInfo[], type: string): StackResourceInfo | undefined {
  return resources.find((resource) => resource.type === type && resource.physicalId && resource.status !== "DELETE_COMPLETE");
}

/** The app stack's log group: output LogGroupName, else its log group or function resource. */
export async function logGroupOf(cloudformation: CloudFormation, app: StackInfo): Promise<string | undefined> {
  if (app.outputs.LogGroupName) return app.outputs.LogGroupName;
  const resources = await stackResources(cloudformation, app.name);
  const logGroup = liveResource(resources, "AWS::Logs::LogGroup");
  if (logGroup) return logGroup.physicalId;
  // Lambda's default log group for a function without an explicit one.
  const functionName = app.outputs.FunctionName ?? liveResource(resources, "AWS::Lambda::Function")?.physicalId;
  return functionName ? `/aws/lambda/${functionName}` : undefined;
}

/** The prerequisite stack's bucket: output BucketName, else its bucket resource. */
export async function bucketOf(cloudformation: CloudFormation, prereq: StackInfo): Promise<string | undefined> {
  if (prereq.outputs.BucketName) return prereq.outputs.BucketName;
  return liveResource(await stackResources(cloudformation, prereq.name), "AWS::S3::Bucket")?.physicalId;
}

export function missingSiteError(site: string, region: string | undefined): UserError {
  return new UserError(`No site named ${site} in ${region ?? "the default region"} (stack ${appStackName(site)} not found).`, {
    hint: "Deploy it with update-stack, or check --region/--profile.",
  });
}

/** The app stack and its log group, or a UserError saying the site does not exist. */
export async function findSiteLogGroup(
  cloudformation: CloudFormation,
  site: string,
  region: string | undefined,
): Promise<{ app: StackInfo; logGroupName: string }> {
  const app = await findStack(cloudformation, appStackName(site));
  if (!app) throw missingSiteError(site, region);
  const logGroupName = await logGroupOf(cloudformation, app);
  if (!logGroupName) {
    throw new UserError(`Stack ${app.name} (${app.status}) has no function, so there are no logs to show.`, {
      hint: `Deploy the site again with update-stack ${site}.`,
    });
  }
  return { app, logGroupName };
}
