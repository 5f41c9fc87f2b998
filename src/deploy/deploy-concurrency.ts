// Before any stack changes: what the site reserves of the account's Lambda
// concurrency (--max-instances for the site function, a default cap for the
// converter), checked against what the account can reserve in the site's
// region, so a cap that cannot be had fails here, with the figures, and not
// half-way through a stack update.
import { accountConcurrency } from "../aws/account-concurrency.ts";
import type { AwsClients } from "../aws/clients.ts";
import { decideConcurrency, type Reservations } from "../plan/concurrency.ts";
import type { DeployPlan } from "../plan/types.ts";

export type ConcurrencyClients = Pick<AwsClients, "lambda">;

/** `current`: the app stack's parameters now (none before its first deploy). */
export async function reserveConcurrency(
  clients: ConcurrencyClients,
  plan: Pick<DeployPlan, "maxInstances">,
  current: Record<string, string>,
  region: string,
  info: (message: string) => void,
): Promise<Reservations> {
  // What the site reserves now is handed back by the update, so it counts as free.
  const decision = decideConcurrency(
    plan.maxInstances,
    await accountConcurrency(clients.lambda, region),
    { site: Number(current.MaxInstances ?? 0), converter: Number(current.ConverterMaxConcurrency ?? 0) },
    region,
  );
  if (decision.note) info(decision.note);
  return decision.parameters;
}
