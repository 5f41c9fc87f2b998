// The AWS clients one command uses, built once from the shared options.
// Region, profile and endpoint follow the standard SDK chain; flags win.
import { ACMClient } from "@aws-sdk/client-acm";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { Route53Client } from "@aws-sdk/client-route-53";
import { S3Client } from "@aws-sdk/client-s3";
import type { SharedOptions } from "../shared-options.ts";

/** Any CloudFormation client: the modules that only send commands take this, so tests may pass a mocked one. */
export type CloudFormation = Pick<CloudFormationClient, "send">;

/**
 * CloudFront takes certificates from ACM in us-east-1 only, and Lambda@Edge
 * functions from Lambda in us-east-1 only, whatever the site's region.
 */
export const CERTIFICATE_REGION = "us-east-1";
export const GLOBAL_REGION = CERTIFICATE_REGION;

export interface AwsClients {
  cloudformation: CloudFormationClient;
  /** CloudFormation in us-east-1: the --domain certificate stacks and the account's shared CloudFront stack. */
  usEast1Cloudformation: CloudFormationClient;
  s3: S3Client;
  logs: CloudWatchLogsClient;
  /** Route 53 is global (its API lives in us-east-1). */
  route53: Route53Client;
  /** CloudFront is global (its API lives in us-east-1). */
  cloudfront: CloudFrontClient;
  /** ACM in us-east-1, where the --domain certificates are. */
  acm: ACMClient;
  /** Lambda in the site's region. */
  lambda: LambdaClient;
  /** Lambda in us-east-1, where the Lambda@Edge function is. */
  usEast1Lambda: LambdaClient;
}

export function createAwsClients(options: SharedOptions, env: NodeJS.ProcessEnv = process.env): AwsClients {
  const endpoint = options.endpointUrl ?? env.AWS_ENDPOINT_URL;
  const config = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
  const global = { ...config, region: GLOBAL_REGION };
  return {
    cloudformation: new CloudFormationClient(config),
    usEast1Cloudformation: new CloudFormationClient(global),
    // Path-style addressing: local endpoints (moto, MinIO) have no per-bucket DNS.
    s3: new S3Client({ ...config, ...(endpoint ? { forcePathStyle: true } : {}) }),
    logs: new CloudWatchLogsClient(config),
    route53: new Route53Client(global),
    cloudfront: new CloudFrontClient(global),
    acm: new ACMClient(global),
    lambda: new LambdaClient(config),
    usEast1Lambda: new LambdaClient(global),
  };
}
