// --domain, before the app stack: find the Route 53 zone that owns the name,
// then bring the stack NAME-certificate in us-east-1 (an ACM certificate that
// CloudFormation validates through DNS records in that zone) up to date. The
// app stack then takes the zone and the certificate as parameters.
// Without --domain, a certificate stack left by an earlier deploy is removed
// once the app stack no longer uses it.
import { AwsError } from "../errors.ts";
import { CERTIFICATE_REGION, type AwsClients } from "../aws/clients.ts";
import { findHostedZone } from "../aws/hosted-zones.ts";
import { deleteStackAndWait, describeStack, stackOutputs } from "../aws/stacks.ts";
import { NO_DOMAIN, type DomainParameters } from "../plan/app-parameters.ts";
import { certificateStackName } from "../plan/stack-names.ts";
import type { DeployPlan } from "../plan/types.ts";
import { readTemplate } from "../templates.ts";
import { deployStack, type StackContext, type StackDeployment } from "./deploy-stack.ts";

export type CertificateClients = Pick<AwsClients, "route53" | "usEast1Cloudformation">;

export interface CertificateDeployment {
  parameters: DomainParameters;
  /** Undefined without --domain. */
  deployment: StackDeployment | undefined;
}

export async function deployCertificate(
  clients: CertificateClients,
  plan: DeployPlan,
  context: StackContext,
): Promise<CertificateDeployment> {
  if (!plan.domain) return { parameters: NO_DOMAIN, deployment: undefined };
  const zone = await findHostedZone(clients.route53, plan.domain);
  context.info(`Domain ${plan.domain}: hosted zone ${zone.name} (${zone.id}); certificate in ${CERTIFICATE_REGION}.`);
  const stackName = certificateStackName(plan.stackName);
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
  return { parameters: { HostedZoneId: zone.id, CertificateArn: certificateArn }, deployment };
}

/** After an app deploy without --domain: the distribution has let go of the certificate, so its stack can go. */
export async function removeUnusedCertificate(clients: CertificateClients, plan: DeployPlan, context: StackContext): Promise<boolean> {
  if (plan.domain) return false;
  const stackName = certificateStackName(plan.stackName);
  if (!(await describeStack(clients.usEast1Cloudformation, stackName))) return false;
  context.info(`No --domain any more: deleting the certificate stack ${stackName} (${CERTIFICATE_REGION}).`);
  await deleteStackAndWait(clients.usEast1Cloudformation, stackName, context.wait);
  return true;
}
