// Before any stack changes: what the site reserves of the account's Lambda
// concurrency (--max-instances for the site function, a default cap for the
// converter), checked against what the account can reserve in the site's
// region, so a cap that cannot be had fails here, with the figures, and not
// half-way through a stack update.
import { accountConcurrency } from "../aws/account-concurrency.ts";
import type { AwsClients } from "../aws/clients.ts";
import { describeStack, stackParameters } from "../aws/stacks.ts";
import { decideConcurrency, type Reservations } from "../plan/concurrency.ts";
import type { DeployPlan } from "../plan/types.ts";

export type ConcurrencyClients = Pick<AwsClients, "cloudformation" | "lambda">;

export async function reserveConcurrency(
  clients: ConcurrencyClients,
  plan: Pick<DeployPlan, "appStackName" | "maxInstances">,
  region: string,
  info: (message: string) => void,
): Promise<Reservations> {
  // What the site reserves now is handed back by the update, so it counts as free.
  const current = stackParameters(await describeStack(clients.cloudformation, plan.appStackName));
  const decision = decideConcurrency(
    plan.maxInstances,
    await accountConcurrency(clients.lambda, region),
    { site: Number(current.MaxInstances ?? 0), converter: Number(current.ConverterMaxConcurrency ?? 0) },
    region,
  );
  if (decision.note) info(decision.note);
  return decision.parameters;
}
