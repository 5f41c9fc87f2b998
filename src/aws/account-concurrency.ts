// The account's Lambda concurrency in the site's region, for the reservations
// a deploy makes (src/plan/concurrency.ts).
import { GetAccountSettingsCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import type { AccountConcurrency } from "../plan/concurrency.ts";
import { toAwsError } from "./aws-error.ts";

export async function accountConcurrency(lambda: Pick<LambdaClient, "send">, region: string): Promise<AccountConcurrency> {
  let settings;
  try {
    settings = await lambda.send(new GetAccountSettingsCommand({}));
  } catch (error) {
    throw toAwsError(error, `Reading the account's Lambda concurrency in ${region}`, region);
  }
  const limit = settings.AccountLimit?.ConcurrentExecutions;
  const unreserved = settings.AccountLimit?.UnreservedConcurrentExecutions;
  if (limit === undefined || unreserved === undefined)
    throw toAwsError(new Error("GetAccountSettings gave no AccountLimit"), "Reading the account's Lambda concurrency", region);
  return { limit, unreserved };
}
