// The naming contract between a site and its stacks: NAME holds the bucket,
// NAME-lambda the app, and with --domain NAME-certificate (in us-east-1) the
// certificate. Sites with CloudFront share one more stack per account,
// datasette-lambda-shared (in us-east-1). Every command derives the names from here.

export const APP_STACK_SUFFIX = "-lambda";

export function appStackName(site: string): string {
  return `${site}${APP_STACK_SUFFIX}`;
}

export const CERTIFICATE_STACK_SUFFIX = "-certificate";

export function certificateStackName(site: string): string {
  return `${site}${CERTIFICATE_STACK_SUFFIX}`;
}

/** The account's shared CloudFront parts (templates/shared.yaml), in us-east-1. */
export const SHARED_STACK_NAME = "datasette-lambda-shared";
