// The naming contract between a site and its stacks: NAME holds the bucket,
// NAME-lambda the app, and with --domain NAME-certificate-<8 hex of the
// domain's sha256> (in us-east-1) the certificate: one stack per domain, so a
// new domain's certificate is made before the old one goes (sites deployed
// before that have NAME-certificate). Sites with CloudFront share one more stack per account,
// datasette-lambda-shared (in us-east-1). Every command derives the names from here.
import { sha256 } from "../util/sha256.ts";

export const APP_STACK_SUFFIX = "-lambda";

export function appStackName(site: string): string {
  return `${site}${APP_STACK_SUFFIX}`;
}

export const CERTIFICATE_STACK_SUFFIX = "-certificate";

/** The certificate stack of `domain` (lower case, as validateDomain gives it). */
export function certificateStackName(site: string, domain: string): string {
  return `${site}${CERTIFICATE_STACK_SUFFIX}-${sha256(domain).slice(0, 8)}`;
}

/** The one certificate stack of sites deployed before there was one per domain. */
export function legacyCertificateStackName(site: string): string {
  return `${site}${CERTIFICATE_STACK_SUFFIX}`;
}

/** Whether a stack name is one of the site's certificate stacks, of any domain. */
export function isCertificateStackName(site: string, name: string): boolean {
  return name === legacyCertificateStackName(site) || new RegExp(`^${site}${CERTIFICATE_STACK_SUFFIX}-[0-9a-f]{8}$`).test(name);
}

/** The account's shared CloudFront parts (templates/shared.yaml), in us-east-1. */
export const SHARED_STACK_NAME = "datasette-lambda-shared";
