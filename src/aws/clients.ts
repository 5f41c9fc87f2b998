// The AWS clients one command uses, built once from the shared options.
// Region, profile and endpoint follow the standard SDK chain; flags win.
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { S3Client } from "@aws-sdk/client-s3";
import type { SharedOptions } from "../shared-options.ts";

/** Any CloudFormation client: the modules that only send commands take this, so tests may pass a mocked one. */
export type CloudFormation = Pick<CloudFormationClient, "send">;

export interface AwsClients {
  cloudformation: CloudFormationClient;
  s3: S3Client;
  logs: CloudWatchLogsClient;
}

export function createAwsClients(options: SharedOptions, env: NodeJS.ProcessEnv = process.env): AwsClients {
  const endpoint = options.endpointUrl ?? env.AWS_ENDPOINT_URL;
  const config = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
  return {
    cloudformation: new CloudFormationClient(config),
    // Path-style addressing: local endpoints (moto, MinIO) have no per-bucket DNS.
    s3: new S3Client({ ...config, ...(endpoint ? { forcePathStyle: true } : {}) }),
    logs: new CloudWatchLogsClient(config),
  };
}
