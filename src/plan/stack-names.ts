// The naming contract between a site and its stacks: NAME holds the bucket,
// NAME-lambda the app, with --domain NAME-certificate (in us-east-1) the
// certificate, and with --in-place NAME-files the file system. Every command
// derives the names from here.

export const APP_STACK_SUFFIX = "-lambda";

export function appStackName(site: string): string {
  return `${site}${APP_STACK_SUFFIX}`;
}

export const CERTIFICATE_STACK_SUFFIX = "-certificate";

export function certificateStackName(site: string): string {
  return `${site}${CERTIFICATE_STACK_SUFFIX}`;
}

/** --in-place: the S3 Files file system, its VPC and access point (exists only while --in-place is on). */
export const FILES_STACK_SUFFIX = "-files";

export function filesStackName(site: string): string {
  return `${site}${FILES_STACK_SUFFIX}`;
}
