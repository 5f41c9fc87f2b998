// --in-place, before the app stack: bring the stack NAME-files (the S3 Files file
// system over the bucket, its VPC, mount targets and access point) up to date, so
// that the function can mount it the moment the app stack puts it in the VPC
// (Lambda refuses a file system without mount targets in the function's zones).
// The app stack then takes its outputs as parameters.
// Without --in-place, a NAME-files stack left by an earlier deploy is deleted once
// the app stack has taken the function out of the VPC, and Lambda has deleted the
// function's network interfaces there.
import type { AwsClients } from "../aws/clients.ts";
import { findFilesStack, removeFilesStack } from "../aws/files-stack.ts";
import { stackOutputs } from "../aws/stacks.ts";
import { AwsError, InterruptedError, UserError, errorMessage } from "../errors.ts";
import { FILES_OUTPUTS, type FilesParameters, filesStackParameters, NO_FILES } from "../plan/in-place.ts";
import { filesStackName } from "../plan/stack-names.ts";
import type { BuildResult, DeployPlan } from "../plan/types.ts";
import type { Output } from "../ui/output.ts";
import { deployStack, type StackContext, type StackDeployment } from "./deploy-stack.ts";

export type FilesClients = Pick<AwsClients, "cloudformation" | "ec2">;

export interface FilesDeployment {
  parameters: FilesParameters;
  /** Undefined without --in-place. */
  deployment: StackDeployment | undefined;
}

// The file system's service role.
const CAPABILITIES = ["CAPABILITY_IAM"] as const;

export async function deployFiles(
  clients: Pick<FilesClients, "cloudformation">,
  build: Pick<BuildResult, "plan" | "filesTemplate">,
  bucket: string,
  context: StackContext,
): Promise<FilesDeployment> {
  const { plan } = build;
  if (plan.inPlace === "off") return { parameters: NO_FILES, deployment: undefined };
  const stackName = filesStackName(plan.stackName);
  const found = await findFilesStack(clients.cloudformation, plan.stackName);
  if (found.kind === "foreign") {
    throw new UserError(`--in-place needs the stack ${stackName}, and a stack of that name exists that datasette-lambda did not make`, {
      hint: `Choose another site name, or delete that stack if it is not needed (it is not this site's).`,
    });
  }
  if (found.kind === "absent") {
    context.info(
      `--in-place: creating stack ${stackName}: the bucket as an S3 Files file system, a VPC and a mount target in each of ` +
        "two zones (mount targets take a few minutes).",
    );
  }
  const deployment = await deployStack(
    clients.cloudformation,
    {
      stackName,
      templateBody: build.filesTemplate,
      parameters: filesStackParameters(plan, bucket),
      capabilities: [...CAPABILITIES],
    },
    context,
  );
  const outputs = stackOutputs(deployment.stack);
  const missing = FILES_OUTPUTS.filter((name) => !outputs[name]);
  if (missing.length > 0) {
    throw new AwsError(`Stack ${stackName} has no ${missing.join(", ")} output.`, {
      resource: stackName,
      hint: `Delete stack ${stackName}, then run update-stack again.`,
    });
  }
  return { parameters: Object.fromEntries(FILES_OUTPUTS.map((name) => [name, outputs[name]!])) as FilesParameters, deployment };
}

/**
 * After an app deploy without --in-place: the function has left the VPC, so once
 * Lambda has deleted its network interfaces the NAME-files stack can go. The site
 * is deployed by then: a failure here is a warning, finished by the next deploy.
 * True when the stack was deleted.
 */
export async function removeUnusedFiles(clients: FilesClients, plan: DeployPlan, context: StackContext, out: Output): Promise<boolean> {
  if (plan.inPlace !== "off") return false;
  const found = await findFilesStack(clients.cloudformation, plan.stackName);
  if (found.kind !== "ours") return false;
  const { stack } = found;
  context.info(
    `No --in-place any more: deleting stack ${stack.name} once Lambda has deleted the function's network interfaces ` +
      "in its VPC (usually minutes; Ctrl-C stops waiting, and the next update-stack finishes).",
  );
  try {
    await removeFilesStack(clients, stack, {
      wait: context.wait,
      interfaces: {
        command: "update-stack",
        signal: context.wait.signal,
        sleep: context.wait.sleep,
        ...(context.wait.pollMs !== undefined ? { pollMs: context.wait.pollMs } : {}),
      },
      run: (title, work) => out.task(title, work),
    });
    return true;
  } catch (error) {
    if (error instanceof InterruptedError) throw error;
    out.warn(
      `The site is deployed without --in-place, but stack ${stack.name} is not deleted yet (${errorMessage(error)}); ` +
        "the next update-stack tries again.",
    );
    return false;
  }
}
