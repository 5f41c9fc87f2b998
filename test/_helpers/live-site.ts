// A site for the push/ls/rm tests: both stacks in a FakeCloudFormation (the
// app stack with the parameters and outputs live data needs) and a FakeBucket.
import { FakeBucket } from "./fake-artifact-bucket.ts";
import { FakeCloudFormation } from "./fake-cloudformation.ts";
import { recordingOutput, type RecordingOutput } from "./recording-output.ts";

export interface LiveWorld {
  cfn: FakeCloudFormation;
  bucket: FakeBucket;
  output: RecordingOutput;
}

export function liveWorld(
  options: { prefix?: string; liveCheckSeconds?: string | null; ephemeralStorageMb?: string; json?: boolean } = {},
): LiveWorld {
  const cfn = new FakeCloudFormation();
  const bucket = new FakeBucket("site-bucket-1a2b");
  cfn.addStack({ name: "site", status: "CREATE_COMPLETE", outputs: { BucketName: bucket.name } });
  const parameters: Record<string, string> = { PathPrefix: options.prefix ?? "" };
  if (options.liveCheckSeconds !== null) parameters.LiveCheckSeconds = options.liveCheckSeconds ?? "15";
  if (options.ephemeralStorageMb !== undefined) parameters.EphemeralStorageSize = options.ephemeralStorageMb;
  cfn.addStack({
    name: "site-lambda",
    status: "UPDATE_COMPLETE",
    parameters,
    outputs: { SiteUrl: "https://d111.cloudfront.net/", FunctionUrl: "https://abc.lambda-url.eu-west-1.on.aws/" },
  });
  return { cfn, bucket, output: recordingOutput({ json: options.json }) };
}
