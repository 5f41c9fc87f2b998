// A site for the push/ls/rm tests: both stacks in a FakeCloudFormation (the
// app stack with the parameters and outputs live data needs) and a FakeBucket.
import { FakeBucket } from "./fake-artifact-bucket.ts";
import { FakeCloudFormation } from "./fake-cloudformation.ts";
import { FakeScheduler } from "./fake-scheduler.ts";
import { recordingOutput, type RecordingOutput } from "./recording-output.ts";

export interface LiveWorld {
  cfn: FakeCloudFormation;
  bucket: FakeBucket;
  output: RecordingOutput;
  /** EventBridge Scheduler with the app stack's schedule group (none with scheduling: false). */
  scheduler: FakeScheduler;
  /** The clients push, ls, rm, schedule and unschedule take. */
  clients: { cloudformation: FakeCloudFormation["client"]; s3: FakeBucket["client"]; scheduler: FakeScheduler["client"] };
}

export const SCHEDULING_OUTPUTS = {
  ScheduleGroupName: "site-lambda",
  SchedulerRoleArn: "arn:aws:iam::123456789012:role/site-lambda-SchedulerRole-AbCdEf123456",
  ConverterFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:site-lambda-ConverterFunction-AbCdEf123456",
};

export function liveWorld(
  options: {
    prefix?: string;
    liveCheckSeconds?: string | null;
    ephemeralStorageMb?: string;
    json?: boolean;
    convertSettings?: string;
    scheduling?: boolean;
  } = {},
): LiveWorld {
  const cfn = new FakeCloudFormation();
  const bucket = new FakeBucket("site-bucket-1a2b");
  cfn.addStack({ name: "site", status: "CREATE_COMPLETE", outputs: { BucketName: bucket.name } });
  const parameters: Record<string, string> = { PathPrefix: options.prefix ?? "" };
  if (options.liveCheckSeconds !== null) parameters.LiveCheckSeconds = options.liveCheckSeconds ?? "15";
  if (options.convertSettings !== undefined) parameters.ConvertSettings = options.convertSettings;
  if (options.ephemeralStorageMb !== undefined) parameters.EphemeralStorageSize = options.ephemeralStorageMb;
  cfn.addStack({
    name: "site-lambda",
    status: "UPDATE_COMPLETE",
    parameters,
    outputs: {
      SiteUrl: "https://d111.cloudfront.net/",
      FunctionUrl: "https://abc.lambda-url.eu-west-1.on.aws/",
      ...(options.scheduling === false ? {} : SCHEDULING_OUTPUTS),
    },
  });
  const scheduler = new FakeScheduler(options.scheduling === false ? [] : [SCHEDULING_OUTPUTS.ScheduleGroupName]);
  const clients = { cloudformation: cfn.client, s3: bucket.client, scheduler: scheduler.client };
  return { cfn, bucket, output: recordingOutput({ json: options.json }), scheduler, clients };
}
