// --domain, before the app stack: the certificate stack of this domain in
// us-east-1 (an ACM certificate that CloudFormation validates through DNS
// records in the domain's zone) up to date; the app stack takes the zone and
// the certificate as parameters. One stack per domain: a new domain gets a new
// certificate, validated before the app stack moves to it, and the old one is
// deleted only afterwards, once no distribution uses it (retire-certificates.ts).
// A site deployed before that has NAME-certificate: reused while it is for the
// same domain.
import { AwsError } from "../errors.ts";
import { CERTIFICATE_REGION, type AwsClients } from "../aws/clients.ts";
import type { HostedZone } from "../aws/hosted-zones.ts";
import { findStack } from "../aws/site.ts";
import { stackOutputs } from "../aws/stacks.ts";
import { NO_DOMAIN, type DomainParameters } from "../plan/app-parameters.ts";
import { certificateStackName, legacyCertificateStackName } from "../plan/stack-names.ts";
import type { DeployPlan } from "../plan/types.ts";
import { readTemplate } from "../templates.ts";
import { deployStack, type StackContext, type StackDeployment } from "./deploy-stack.ts";

export type CertificateClients = Pick<AwsClients, "usEast1Cloudformation">;

export interface CertificateDeployment {
  parameters: DomainParameters;
  /** Undefined without --domain. */
  deployment: StackDeployment | undefined;
  /** The certificate stack this deploy uses; undefined without --domain. */
  stackName: string | undefined;
}

/** `zone`: the domain's hosted zone (domain-preflight.ts); undefined without --domain. */
export async function deployCertificate(
  clients: CertificateClients,
  plan: Pick<DeployPlan, "stackName" | "domain">,
  zone: HostedZone | undefined,
  context: StackContext,
): Promise<CertificateDeployment> {
  if (!plan.domain || !zone) return { parameters: NO_DOMAIN, deployment: undefined, stackName: undefined };
  const legacy = await findStack(clients.usEast1Cloudformation, legacyCertificateStackName(plan.stackName));
  const stackName = legacy?.outputs.DomainName === plan.domain ? legacy.name : certificateStackName(plan.stackName, plan.domain);
  const deployment = await deployStack(
    clients.usEast1Cloudformation,
    {
      stackName,
      templateBody: await readTemplate("certificate"),
      parameters: { DomainName: plan.domain, HostedZoneId: zone.id },
    },
    { ...context, region: CERTIFICATE_REGION },
  );
  const certificateArn = stackOutputs(deployment.stack).CertificateArn;
  if (!certificateArn) {
    throw new AwsError(`Stack ${stackName} (${CERTIFICATE_REGION}) has no CertificateArn output.`, {
      resource: stackName,
      hint: `Was ${stackName} made by another tool? Delete it, then run update-stack again.`,
    });
  }
  return { parameters: { HostedZoneId: zone.id, CertificateArn: certificateArn }, deployment, stackName };
}
