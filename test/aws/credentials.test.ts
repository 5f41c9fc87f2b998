import assert from "node:assert/strict";
import { test } from "node:test";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { checkAwsAccess } from "../../src/aws/credentials.ts";
import { UserError } from "../../src/errors.ts";

const keys = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret-value-never-printed" };

test("region and credentials resolved: returns the region", async () => {
  const client = new CloudFormationClient({ region: "eu-west-1", credentials: keys });
  assert.deepEqual(await checkAwsAccess(client), { region: "eu-west-1" });
});

test("missing region: one line naming --region and AWS_REGION", async () => {
  const client = new CloudFormationClient({
    region: async () => {
      throw new Error("Region is missing");
    },
    credentials: keys,
  });
  await assert.rejects(checkAwsAccess(client), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.equal(error.message, "No AWS region is set.");
    assert.match(error.hint ?? "", /--region .*AWS_REGION/);
    assert.doesNotMatch(error.hint ?? "", /\n/);
    return true;
  });
});

test("missing credentials: names aws configure, --profile/AWS_PROFILE and the env keys", async () => {
  const client = new CloudFormationClient({
    region: "eu-west-1",
    credentials: async () => {
      throw Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });
    },
  });
  await assert.rejects(checkAwsAccess(client), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.equal(error.message, "No AWS credentials found (Could not load credentials from any providers).");
    assert.match(error.hint ?? "", /aws configure/);
    assert.match(error.hint ?? "", /--profile or AWS_PROFILE/);
    assert.match(error.hint ?? "", /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    return true;
  });
});
