// A site deployed on the local moto server straight through the AWS SDK: the
// real templates, unchanged, with dummy package and layer zips at
// content-addressed keys. For end-to-end tests of commands that need a site to
// exist (tail-logs, delete-stack) without depending on update-stack or on a
// dependency layer build.
import { createHash } from "node:crypto";
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
  type Parameter,
  type Stack,
} from "@aws-sdk/client-cloudformation";
import { ACMClient } from "@aws-sdk/client-acm";
import { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { Route53Client } from "@aws-sdk/client-route-53";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { AwsClients } from "../../src/aws/clients.ts";
import { sharedParameters } from "../../src/deploy/deploy-shared.ts";
import { sharedStackParameters } from "../../src/plan/shared-parameters.ts";
import type { SharedParameters } from "../../src/plan/app-parameters.ts";
import { SHARED_STACK_NAME } from "../../src/plan/stack-names.ts";
import { readTemplates } from "../../src/templates.ts";
import type { MotoServer } from "./moto.ts";
import { sampleAppParameters } from "./plan.ts";

export interface SdkSite {
  /** The prerequisite stack's name, NAME. */
  name: string;
  /** The app stack's name, NAME-lambda. */
  app: string;
  prereqStackId: string;
  appStackId: string;
  bucket: string;
  /** The app stack's outputs (SiteUrl, FunctionUrl, FunctionName, LogGroupName, ...). */
  outputs: Record<string, string>;
  /** Every key uploaded to the bucket. */
  keys: string[];
}

export function motoClients(moto: Pick<MotoServer, "clientConfig">): { cloudformation: CloudFormationClient; s3: S3Client } {
  return {
    cloudformation: new CloudFormationClient(moto.clientConfig),
    s3: new S3Client({ ...moto.clientConfig, forcePathStyle: true }),
  };
}

/** A valid empty zip (only the end-of-central-directory record) whose comment
 * makes its bytes, and so its checksum, unique. */
export function dummyZip(comment: string): Buffer {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Buffer.byteLength(comment), 20);
  return Buffer.concat([end, Buffer.from(comment)]);
}

export async function describeStack(cloudformation: CloudFormationClient, stack: string): Promise<Stack> {
  const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stack }));
  const found = Stacks?.[0];
  if (!found) throw new Error(`stack ${stack} not found`);
  return found;
}

/** Polls (briefly: moto works synchronously) until the stack leaves *_IN_PROGRESS. */
export async function settleStack(cloudformation: CloudFormationClient, stack: string, timeoutMs = 10_000): Promise<Stack> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await describeStack(cloudformation, stack);
    if (!found.StackStatus?.endsWith("_IN_PROGRESS") || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function stackOutputs(stack: Stack): Record<string, string> {
  return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? "", o.OutputValue ?? ""]));
}

export function stackParameters(values: Record<string, string>): Parameter[] {
  return Object.entries(values).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
}

function sha256Hex(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * The account's shared CloudFront stack (templates/shared.yaml) on moto, created
 * unless it exists; its outputs as the app stack's Shared* parameters.
 */
export async function sharedStackWithSdk(moto: Pick<MotoServer, "clientConfig">): Promise<SharedParameters> {
  const { cloudformation } = motoClients(moto);
  const existing = await cloudformation.send(new DescribeStacksCommand({ StackName: SHARED_STACK_NAME })).catch(() => undefined);
  const live = existing?.Stacks?.[0];
  if (!live || live.StackStatus === "DELETE_COMPLETE") {
    const templates = await readTemplates();
    await cloudformation.send(
      new CreateStackCommand({
        StackName: SHARED_STACK_NAME,
        TemplateBody: templates.shared,
        Parameters: stackParameters(sharedStackParameters()),
        Capabilities: ["CAPABILITY_IAM"],
      }),
    );
  }
  const stack = await settleStack(cloudformation, SHARED_STACK_NAME);
  if (stack.StackStatus !== "CREATE_COMPLETE")
    throw new Error(`${SHARED_STACK_NAME}: ${stack.StackStatus} ${stack.StackStatusReason ?? ""}`);
  return sharedParameters(stackOutputs(stack));
}

/** Deploys both stacks of site `name`; throws unless both reach CREATE_COMPLETE. */
export async function deploySiteWithSdk(
  moto: Pick<MotoServer, "clientConfig">,
  name: string,
  options: { cdn?: boolean; extraObjects?: Record<string, Buffer> } = {},
): Promise<SdkSite> {
  const { cloudformation, s3 } = motoClients(moto);
  const templates = await readTemplates();

  const prereqStackId = (await cloudformation.send(new CreateStackCommand({ StackName: name, TemplateBody: templates.prereq }))).StackId!;
  const prereq = await settleStack(cloudformation, name);
  if (prereq.StackStatus !== "CREATE_COMPLETE") throw new Error(`${name}: ${prereq.StackStatus} ${prereq.StackStatusReason ?? ""}`);
  const bucket = stackOutputs(prereq).BucketName!;

  const packageZip = dummyZip(`package of ${name}`);
  const layerZip = dummyZip(`layer of ${name}`);
  const objects: Record<string, Buffer> = {
    [`package/${sha256Hex(packageZip)}.zip`]: packageZip,
    [`layer/${sha256Hex(layerZip)}.zip`]: layerZip,
    ...options.extraObjects,
  };
  for (const [key, body] of Object.entries(objects)) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  }
  const [packageKey, layerKey] = Object.keys(objects) as [string, string];

  const app = `${name}-lambda`;
  const appStackId = (
    await cloudformation.send(
      new CreateStackCommand({
        StackName: app,
        TemplateBody: templates.app,
        Capabilities: ["CAPABILITY_IAM"],
        Parameters: stackParameters(
          sampleAppParameters({
            bucket,
            packageKey,
            layerKey,
            cdn: options.cdn ?? true,
            ...((options.cdn ?? true) ? { shared: await sharedStackWithSdk(moto) } : {}),
          }),
        ),
      }),
    )
  ).StackId!;
  const created = await settleStack(cloudformation, app);
  if (created.StackStatus !== "CREATE_COMPLETE") throw new Error(`${app}: ${created.StackStatus} ${created.StackStatusReason ?? ""}`);

  return { name, app, prereqStackId, appStackId, bucket, outputs: stackOutputs(created), keys: Object.keys(objects) };
}

/** Every client the CLI uses (src/aws/clients.ts), pointed at moto, the site's ones in `region`. */
export function motoAwsClients(moto: Pick<MotoServer, "clientConfig">, region: string): AwsClients {
  const site = { ...moto.clientConfig, region };
  const global = { ...moto.clientConfig, region: "us-east-1" };
  return {
    cloudformation: new CloudFormationClient(site),
    usEast1Cloudformation: new CloudFormationClient(global),
    s3: new S3Client({ ...site, forcePathStyle: true }),
    logs: new CloudWatchLogsClient(site),
    route53: new Route53Client(global),
    cloudfront: new CloudFrontClient(global),
    acm: new ACMClient(global),
    lambda: new LambdaClient(site),
    usEast1Lambda: new LambdaClient(global),
  };
}
