// Bring one stack to a template and parameters, whatever state it is in:
// wait out a running operation, recreate a failed first create, stop with
// advice when only a human can unstick it, skip the update when nothing
// changed, and treat CloudFormation's "no updates" as success.
import type { Capability, Parameter, Stack } from "@aws-sdk/client-cloudformation";
import { DeployError } from "../errors.ts";
import type { CloudFormation } from "../aws/clients.ts";
import { latestEventId } from "../aws/stack-events.ts";
import { continueRollbackCommand, nextStep } from "../aws/stack-status.ts";
import {
  createStack,
  deleteStackAndWait,
  describeStack,
  getTemplateBody,
  stackFailedError,
  stackParameters,
  updateStack,
  waitForStack,
  type WaitOptions,
} from "../aws/stacks.ts";

export interface StackSpec {
  stackName: string;
  templateBody: string;
  /** Every parameter value we set, as strings (CloudFormation reports them so). */
  parameters: Record<string, string>;
  /**
   * NoEcho parameters: generated on create, kept with UsePreviousValue on update
   * (CloudFormation shows them as ****), never compared, never printed.
   */
  secrets?: Record<string, () => string>;
  /**
   * NoEcho parameters whose value the user gave (--secret): always sent, never
   * compared (CloudFormation shows ****, and itself answers "No updates are to
   * be performed." when the value is unchanged), never printed.
   */
  givenSecrets?: Record<string, string>;
  capabilities?: Capability[];
}

export interface StackContext {
  /** Status lines (stderr). */
  info: (message: string) => void;
  /** Every wait of the deploy: events, polling, Ctrl-C. */
  wait: WaitOptions;
  /** The site name, for advice that names delete-stack. */
  siteName: string;
  region?: string;
}

export interface StackDeployment {
  type: "created" | "updated" | "no-op";
  /** The stack as it stands after the deploy (outputs read after the wait, never stale). */
  stack: Stack;
  /** The settled stack from before this deploy changed it; undefined when it was (re)created. */
  previous: Stack | undefined;
}

/** Deployed template and parameters already equal the wanted ones (secrets aside). */
export function isUpToDate(spec: StackSpec, deployed: Stack, deployedTemplate: string | undefined): boolean {
  if (deployedTemplate !== spec.templateBody) return false;
  // A given secret cannot be compared here: CloudFormation decides.
  if (Object.keys(spec.givenSecrets ?? {}).length > 0) return false;
  const current = stackParameters(deployed);
  for (const [key, value] of Object.entries(spec.parameters)) {
    if (current[key] !== value) return false;
  }
  // A secret the stack does not have yet must be added.
  return Object.keys(spec.secrets ?? {}).every((key) => key in current);
}

/** Parameters for CreateStack/UpdateStack; `deployed` is the stack being updated. */
export function stackParametersFor(spec: StackSpec, deployed: Stack | undefined): Parameter[] {
  const parameters: Parameter[] = Object.entries(spec.parameters).map(([key, value]) => ({ ParameterKey: key, ParameterValue: value }));
  const current = stackParameters(deployed);
  const given = spec.givenSecrets ?? {};
  for (const [key, value] of Object.entries(given)) parameters.push({ ParameterKey: key, ParameterValue: value });
  for (const [key, generate] of Object.entries(spec.secrets ?? {})) {
    if (key in given) continue;
    parameters.push(key in current ? { ParameterKey: key, UsePreviousValue: true } : { ParameterKey: key, ParameterValue: generate() });
  }
  return parameters;
}

export async function deployStack(client: CloudFormation, spec: StackSpec, context: StackContext): Promise<StackDeployment> {
  const name = spec.stackName;
  const { wait } = context;

  let stack = await describeStack(client, name);
  // A few rounds: a stack found in progress, or changed by another deploy of the
  // same site after we looked, settles into a state decided on afresh.
  for (let round = 0; round < 5; round++) {
    const step = nextStep(stack?.StackStatus);
    let outcome: StackDeployment | "raced";
    switch (step.kind) {
      case "wait": {
        context.info(`Stack ${name} is ${stack?.StackStatus}; waiting for that to finish first.`);
        const stackId = stack?.StackId ?? name;
        ({ stack } = await waitForStack(client, name, wait, { stackId, sinceEventId: await latestEventId(client, stackId) }));
        continue;
      }
      case "blocked":
        throw blockedError(name, stack?.StackStatus ?? "", step.why, context);
      case "recreate":
        context.info(`Stack ${name} is ${stack?.StackStatus} (${step.why}): deleting it to create it again.`);
        await deleteStackAndWait(client, name, wait);
        outcome = await create(client, spec, context);
        break;
      case "create":
        outcome = await create(client, spec, context);
        break;
      case "update":
        outcome = await update(client, spec, context, stack as Stack);
        break;
    }
    if (outcome !== "raced") return outcome;
    context.info(`Stack ${name} changed after we looked (another deploy of ${context.siteName}?); waiting for it, then deciding again.`);
    stack = await describeStack(client, name);
  }
  throw new DeployError(`Stack ${name} kept changing state (${stack?.StackStatus}); is another deploy running?`, {
    resource: name,
    hint: "Wait for the other operation to finish, then run update-stack again.",
  });
}

async function create(client: CloudFormation, spec: StackSpec, context: StackContext): Promise<StackDeployment | "raced"> {
  const name = spec.stackName;
  context.info(`Creating stack ${name}...`);
  const stackId = await createStack(client, {
    stackName: name,
    templateBody: spec.templateBody,
    parameters: stackParametersFor(spec, undefined),
    ...(spec.capabilities ? { capabilities: spec.capabilities } : {}),
  });
  if (stackId === "exists") return "raced";
  const result = await waitForStack(client, name, context.wait, { stackId });
  if (result.stack?.StackStatus !== "CREATE_COMPLETE") {
    throw stackFailedError(
      name,
      "Creating",
      result,
      "Fix the cause above and run update-stack again: it deletes the failed stack and creates it anew.",
    );
  }
  return { type: "created", stack: result.stack, previous: undefined };
}

async function update(client: CloudFormation, spec: StackSpec, context: StackContext, deployed: Stack): Promise<StackDeployment | "raced"> {
  const name = spec.stackName;
  if (isUpToDate(spec, deployed, await getTemplateBody(client, name))) {
    context.info(`Stack ${name}: no changes.`);
    return { type: "no-op", stack: deployed, previous: deployed };
  }
  const stackId = deployed.StackId ?? name;
  const sinceEventId = await latestEventId(client, stackId);
  context.info(`Updating stack ${name}...`);
  const started = await updateStack(client, {
    stackName: name,
    templateBody: spec.templateBody,
    parameters: stackParametersFor(spec, deployed),
    ...(spec.capabilities ? { capabilities: spec.capabilities } : {}),
  });
  if (started === "busy") return "raced";
  if (started === "no-updates") {
    context.info(`Stack ${name}: no changes.`);
    return { type: "no-op", stack: deployed, previous: deployed };
  }
  const result = await waitForStack(client, name, context.wait, { stackId, sinceEventId });
  if (result.stack?.StackStatus !== "UPDATE_COMPLETE") {
    throw stackFailedError(
      name,
      "Updating",
      result,
      "CloudFormation rolled the stack back to its previous state; fix the cause above and run update-stack again.",
    );
  }
  return { type: "updated", stack: result.stack, previous: deployed };
}

function blockedError(name: string, status: string, why: string, context: StackContext): DeployError {
  const hint =
    status === "UPDATE_ROLLBACK_FAILED"
      ? "Fix what blocked the rollback (see the stack's events), " +
        `then run \`${continueRollbackCommand(name, context.region)}\` and run update-stack again.`
      : status === "DELETE_FAILED"
        ? `Run \`datasette-lambda delete-stack ${context.siteName}\` to finish deleting it, then update-stack to create it again.`
        : "Resolve it in the CloudFormation console, then run update-stack again.";
  return new DeployError(`Stack ${name} is ${status}: ${why}.`, { resource: name, hint });
}
