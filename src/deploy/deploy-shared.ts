// With CloudFront, before the app stack: bring the account's shared stack
// (templates/shared.yaml: datasette-lambda-shared in us-east-1) up to date and
// hand its outputs to the app stack, as the certificate stack's are. The
// first site's deploy creates it; later ones find it unchanged. A new site is
// refused once the shared cache policy serves CloudFront's limit of distributions.
import { AwsError, UserError } from "../errors.ts";
import { GLOBAL_REGION, type AwsClients } from "../aws/clients.ts";
import { DISTRIBUTIONS_PER_CACHE_POLICY, distributionsUsingCachePolicy } from "../aws/shared-usage.ts";
import { describeStack, stackOutputs } from "../aws/stacks.ts";
import { NO_SHARED, SHARED_OUTPUTS, type SharedParameters } from "../plan/app-parameters.ts";
import { sharedStackParameters } from "../plan/shared-parameters.ts";
import { SHARED_STACK_NAME } from "../plan/stack-names.ts";
import type { DeployPlan } from "../plan/types.ts";
import { readTemplate } from "../templates.ts";
import { plural } from "../util/plural.ts";
import { deployStack, type StackContext, type StackDeployment } from "./deploy-stack.ts";

export type SharedClients = Pick<AwsClients, "cloudformation" | "usEast1Cloudformation" | "cloudfront">;

export interface SharedDeployment {
  parameters: SharedParameters;
  /** Undefined without CloudFront. */
  deployment: StackDeployment | undefined;
}

/** The app stack's Shared* parameters from the shared stack's outputs. */
export function sharedParameters(outputs: Record<string, string>): SharedParameters {
  const parameters = { ...NO_SHARED };
  for (const [parameter, output] of Object.entries(SHARED_OUTPUTS) as [keyof SharedParameters, string][]) {
    const value = outputs[output];
    if (!value) {
      throw new AwsError(`Stack ${SHARED_STACK_NAME} (${GLOBAL_REGION}) has no ${output} output.`, {
        resource: SHARED_STACK_NAME,
        hint: `Was ${SHARED_STACK_NAME} made by another tool? Delete it (no site may be using it), then run update-stack again.`,
      });
    }
    parameters[parameter] = value;
  }
  return parameters;
}

export async function deployShared(
  clients: SharedClients,
  plan: Pick<DeployPlan, "cdn" | "appStackName">,
  context: StackContext,
): Promise<SharedDeployment> {
  if (!plan.cdn) return { parameters: NO_SHARED, deployment: undefined };
  // The site's distribution, when it has one already, takes no new place on the policy.
  const ownDistributionId = stackOutputs(await describeStack(clients.cloudformation, plan.appStackName)).DistributionId;
  const deployment = await deployStack(
    clients.usEast1Cloudformation,
    {
      stackName: SHARED_STACK_NAME,
      templateBody: await readTemplate("shared"),
      parameters: sharedStackParameters(),
      capabilities: ["CAPABILITY_IAM"],
    },
    { ...context, region: GLOBAL_REGION },
  );
  const parameters = sharedParameters(stackOutputs(deployment.stack));
  const users = await distributionsUsingCachePolicy(clients.cloudfront, parameters.SharedCachePolicyId);
  if (deployment.type !== "no-op") {
    context.info(
      `Shared CloudFront parts: stack ${SHARED_STACK_NAME} (${GLOBAL_REGION}), used by ${plural(users.length, "distribution")}.`,
    );
  }
  checkRoomForSite(users, ownDistributionId);
  return { parameters, deployment };
}

/** Pure: one more site fits unless its distribution would be one past the policy's limit. */
export function checkRoomForSite(users: string[], ownDistributionId: string | undefined): void {
  if (ownDistributionId && users.includes(ownDistributionId)) return;
  if (users.length < DISTRIBUTIONS_PER_CACHE_POLICY) return;
  throw new UserError(
    `this account's shared CloudFront cache policy already serves ${users.length} sites, CloudFront's limit per policy (not adjustable)`,
    { hint: "Delete a site you no longer use (delete-stack), deploy this one with --no-cdn, or deploy it into another AWS account." },
  );
}
