// The naming contract between a site and its two stacks: NAME holds the
// bucket, NAME-lambda the app. Every command derives the names from here.

export const APP_STACK_SUFFIX = "-lambda";

export function appStackName(site: string): string {
  return `${site}${APP_STACK_SUFFIX}`;
}
