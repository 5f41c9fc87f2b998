// Resolve the region and credentials before the first AWS call, so a missing
// one is a one-line error with the fix instead of an SDK stack trace mid-deploy.
import { UserError } from "../errors.ts";
import { CREDENTIALS_FIX } from "./aws-error.ts";

/** The part of an SDK client's resolved config we need (every v3 client has it). */
export interface ResolvedClientConfig {
  config: {
    region: () => Promise<string>;
    credentials: () => Promise<unknown>;
  };
}

export interface AwsAccess {
  region: string;
}

export async function checkAwsAccess(client: ResolvedClientConfig): Promise<AwsAccess> {
  let region: string;
  try {
    region = await client.config.region();
  } catch (error) {
    throw missingRegion(error);
  }
  if (!region) throw missingRegion(undefined);
  try {
    await client.config.credentials();
  } catch (error) {
    const detail = error instanceof Error && error.message ? ` (${error.message})` : "";
    throw new UserError(`No AWS credentials found${detail}.`, { hint: CREDENTIALS_FIX, cause: error });
  }
  return { region };
}

function missingRegion(cause: unknown): UserError {
  return new UserError("No AWS region is set.", {
    hint: "Pass --region (e.g. --region us-east-1), set AWS_REGION, or set a region for your profile with `aws configure`.",
    cause,
  });
}
