// The whole AWS side of update-stack, after the build (the caller has checked
// region and credentials): checks that need no stack change (what the account
// can reserve; with --domain its hosted zone and the records at the name) ->
// with --domain the certificate stack NAME-certificate-<hash> (us-east-1) ->
// with CloudFront, the account's shared stack datasette-lambda-shared
// (us-east-1) -> prerequisite stack NAME (the bucket) -> upload the missing
// artifacts -> app stack NAME-lambda -> outputs -> live/deployed.json (what is
// deployed, for `ls`) -> delete artifacts no longer referenced -> delete
// certificates no longer used (a warning, not a failure, when ACM still holds on).
// It returns a typed result; the command layer renders it (URL or --json).
//
// Ctrl-C: pass an AbortSignal. During uploads the multipart upload is aborted
// and nothing is deployed (uploaded keys are content-addressed, so the next
// run skips them and resumes). During a stack wait we stop waiting, CloudFormation
// carries on, and the next run waits for it before doing anything (see
// src/aws/stack-status.ts). Both throw InterruptedError (exit 130) saying so.
import { randomBytes } from "node:crypto";
import { AwsError, errorMessage, InterruptedError } from "../errors.ts";
import type { AwsClients } from "../aws/clients.ts";
import { writeDeployedRecord } from "../aws/deployed-record.ts";
import { collectGarbage, referencedKeys, type GarbageOptions } from "../aws/garbage.ts";
import type { Sleep } from "../util/sleep.ts";
import { takeLease } from "../aws/leases.ts";
import { systemResolveNs, type ResolveNs } from "../aws/public-dns.ts";
import { describeStack, stackOutputs, stackParameters } from "../aws/stacks.ts";
import { findMissingArtifacts, uniqueByKey, uploadArtifacts } from "../aws/uploads.ts";
import { withSecretsInFingerprint } from "../plan/app-parameters.ts";
import type { BuildResult } from "../plan/types.ts";
import type { Output } from "../ui/output.ts";
import { printStackEvents, reportGarbage, reportUploads } from "../ui/progress.ts";
import { deployCertificate } from "./deploy-certificate.ts";
import { checkDomain, distributionDomain } from "./domain-preflight.ts";
import { retireCertificates, type CertificateWait } from "./retire-certificates.ts";
import { reserveConcurrency } from "./deploy-concurrency.ts";
import { deployShared } from "./deploy-shared.ts";
import { deployStack, type StackContext } from "./deploy-stack.ts";

export interface DeployDeps {
  clients: Pick<AwsClients, "cloudformation" | "s3" | "route53" | "usEast1Cloudformation" | "cloudfront" | "lambda" | "acm">;
  /** The clients' region, resolved (with the credentials) by the caller before the build. */
  region: string;
  out: Output;
  /** Stack polling interval; default 2 s. */
  pollMs?: number;
  sleep?: Sleep;
  /** The site's DATASETTE_SECRET, made once when the app stack is created. */
  randomSecret?: () => string;
  /** --secret (or DATASETTE_PUBLISH_SECRET): replaces the stored secret. Never printed. */
  secret?: string;
  /** --plugin-secret values as the PluginSecrets parameter's JSON. Never printed. */
  pluginSecrets?: string;
  signal?: AbortSignal;
  /** Multipart part size for uploads (tests use the 5 MB minimum). */
  partSize?: number;
  /** Clean-up's thresholds and clock (tests: minAgeMs 0 lets fresh garbage go). */
  garbage?: Pick<GarbageOptions, "minAgeMs" | "leaseTtlMs" | "now">;
  /** How often this run rewrites its lease; default 10 min. */
  leaseRefreshMs?: number;
  /** NS lookups of public DNS, for --domain's delegation check; default the system's resolver. */
  resolveNs?: ResolveNs;
  /** How an old certificate is waited for before its stack is deleted. */
  certificateWait?: CertificateWait;
}

export interface DeployResult {
  /** "no-op" when neither stack changed. */
  type: "deployed" | "no-op";
  stack: string;
  appStack: string;
  url: string;
  functionUrl: string;
  uploaded: { files: number; bytes: number };
}

// The app stack makes an IAM role for the function.
const CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"] as const;

export function generateSecret(): string {
  return randomBytes(32).toString("hex");
}

export async function deploySite(build: BuildResult, deps: DeployDeps): Promise<DeployResult> {
  const { clients, out, signal } = deps;
  const { stackName, appStackName } = build.plan;
  const { region } = deps;
  out.debug(`region ${region}`);

  const context: StackContext = {
    info: (message) => out.info(message),
    wait: { onEvent: printStackEvents(out), command: "update-stack", pollMs: deps.pollMs, sleep: deps.sleep, signal },
    siteName: stackName,
    region,
  };

  // Before any stack changes: a cap the account cannot reserve, a domain without
  // a zone or with someone else's record at it, fail here.
  const previousApp = stackOutputsAndParameters(await describeStack(clients.cloudformation, appStackName));
  const reservations = await reserveConcurrency(clients, build.plan, previousApp.parameters, region, (message) => out.info(message));
  const zone = await checkDomain(clients, build.plan, distributionDomain(previousApp.outputs), deps.resolveNs ?? systemResolveNs(), out);
  // Validation takes minutes: before the rest.
  const certificate = await deployCertificate(clients, build.plan, zone, context);
  const shared = await deployShared(clients, build.plan, context);

  const prereq = await deployStack(
    clients.cloudformation,
    { stackName, templateBody: build.prereqTemplate, parameters: build.prereqParameters, capabilities: [...CAPABILITIES] },
    context,
  );
  const bucket = stackOutputs(prereq.stack).BucketName;
  if (!bucket) {
    throw new AwsError(`Stack ${stackName} has no BucketName output.`, {
      resource: stackName,
      hint: `Was ${stackName} made by another tool? Choose another site name, or delete that stack.`,
    });
  }

  // Before looking at what the bucket holds: clean-up by a concurrent run must
  // not delete what this one finds there and is about to deploy. Released
  // (deleted) when deploySite returns or throws.
  await using _lease = await takeLease(
    clients.s3,
    bucket,
    build.artifacts.map((a) => a.key),
    {
      refreshMs: deps.leaseRefreshMs,
      onError: (error) => out.debug(`deploy lease: ${errorMessage(error)} (it expires by itself)`),
    },
  );
  const missing = await findMissingArtifacts(clients.s3, bucket, build.artifacts, { signal });
  const uploaded = await reportUploads(out, bucket, uniqueByKey(build.artifacts).length, missing, (events) =>
    uploadArtifacts(clients.s3, bucket, missing, { ...events, signal, partSize: deps.partSize }),
  );
  if (signal?.aborted)
    throw new InterruptedError("Interrupted before the app stack was updated; nothing was deployed. Run update-stack again to resume.");

  // With SnapStart, new secret values need a new version: they are in its environment.
  const secrets = { secret: deps.secret, pluginSecrets: deps.pluginSecrets };
  const parameters = {
    ...withSecretsInFingerprint(build.appParameters, secrets, stackName),
    ...certificate.parameters,
    ...shared.parameters,
    ConverterMaxConcurrency: reservations.ConverterMaxConcurrency,
    BucketName: bucket,
  };
  const app = await deployStack(
    clients.cloudformation,
    {
      stackName: appStackName,
      templateBody: build.appTemplate,
      parameters,
      secrets: { DatasetteSecret: deps.randomSecret ?? generateSecret },
      givenSecrets: {
        ...(deps.secret !== undefined ? { DatasetteSecret: deps.secret } : {}),
        ...(deps.pluginSecrets !== undefined ? { PluginSecrets: deps.pluginSecrets } : {}),
      },
      capabilities: [...CAPABILITIES],
    },
    context,
  );
  const outputs = stackOutputs(app.stack);
  if (!outputs.SiteUrl || !outputs.FunctionUrl) {
    throw new AwsError(`Stack ${appStackName} deployed but has no ${outputs.SiteUrl ? "FunctionUrl" : "SiteUrl"} output.`, {
      resource: appStackName,
      hint: "The app template must output SiteUrl and FunctionUrl.",
    });
  }

  await recordDeployment(deps, bucket, build);
  await cleanUp(deps, bucket, appStackName, [...referencedKeys(parameters), ...referencedKeys(stackParameters(app.previous))]);
  // Last: the distribution has moved to this deploy's certificate (or none).
  await retireCertificates(clients, stackName, certificate.stackName, out, context.wait, deps.certificateWait);

  return {
    type: [prereq, app, certificate.deployment, shared.deployment].every((stack) => !stack || stack.type === "no-op")
      ? "no-op"
      : "deployed",
    stack: stackName,
    appStack: appStackName,
    url: outputs.SiteUrl,
    functionUrl: outputs.FunctionUrl,
    uploaded: { files: uploaded.files, bytes: uploaded.bytes },
  };
}

function stackOutputsAndParameters(stack: Parameters<typeof stackOutputs>[0]) {
  return { outputs: stackOutputs(stack), parameters: stackParameters(stack) };
}

/** live/deployed.json, for `ls`. The deploy has succeeded: a failure is a warning. */
async function recordDeployment(deps: DeployDeps, bucket: string, build: BuildResult): Promise<void> {
  try {
    const outcome = await writeDeployedRecord(deps.clients.s3, bucket, build.plan);
    deps.out.debug(`live/deployed.json ${outcome}`);
  } catch (error) {
    deps.out.warn(`Could not record the deployed databases for ls (${errorMessage(error)}); the next deploy tries again.`);
  }
}

/** The deploy has succeeded; a failed clean-up is a warning, retried next time. */
async function cleanUp(deps: DeployDeps, bucket: string, appStack: string, keep: string[]): Promise<void> {
  try {
    const result = await collectGarbage(deps.clients.s3, deps.clients.cloudformation, { ...deps.garbage, bucket, appStack, keep });
    reportGarbage(deps.out, bucket, result);
  } catch (error) {
    deps.out.warn(`Could not delete unused artifacts (${errorMessage(error)}); the next deploy tries again.`);
  }
}
