// How many of the account's concurrent Lambda executions a site reserves: the
// site function's --max-instances (a cost cap, as `datasette publish cloudrun
// --max-instances`), and the converter's default cap. Reserved concurrency is
// both a floor and a ceiling for the function, costs nothing, and Lambda refuses
// it when it would leave the account fewer unreserved executions than its
// minimum: 100, or the whole limit on accounts that have less (new accounts may
// have 10 or 50, and can then reserve nothing).
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
// https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html
import { UserError } from "../errors.ts";

/** The converter's default cap: two conversions at once (2 GB each); more queue, they are not lost. */
export const CONVERTER_MAX_CONCURRENCY = 2;

/** Lambda keeps at least this many executions unreserved (fewer when the account's limit is lower). */
export const MINIMUM_UNRESERVED = 100;

export interface AccountConcurrency {
  /** AccountLimit.ConcurrentExecutions (GetAccountSettings). */
  limit: number;
  /** AccountLimit.UnreservedConcurrentExecutions. */
  unreserved: number;
}

export interface Reservations {
  /** The app stack's MaxInstances: 0 reserves nothing. */
  MaxInstances: string;
  /** The app stack's ConverterMaxConcurrency: 0 reserves nothing. */
  ConverterMaxConcurrency: string;
}

export interface ConcurrencyDecision {
  parameters: Reservations;
  /** Said to the user, when the converter's default cap had to be dropped. */
  note?: string;
}

/**
 * Pure. `current` is what the site reserves now (its app stack's parameters;
 * zeros for a new site): it is handed back before the new reservations count.
 */
export function decideConcurrency(
  maxInstances: number | null,
  account: AccountConcurrency,
  current: { site: number; converter: number },
  region: string,
): ConcurrencyDecision {
  const minimum = Math.min(MINIMUM_UNRESERVED, account.limit);
  const headroom = account.unreserved + current.site + current.converter - minimum;
  const site = maxInstances ?? 0;
  if (site > headroom) {
    throw new UserError(
      `--max-instances ${site}: this account can reserve ${Math.max(0, headroom)} concurrent executions for this site in ${region} ` +
        `(Lambda limit ${account.limit}, ${account.unreserved} unreserved, at least ${minimum} must stay unreserved)`,
      {
        hint:
          headroom > 0
            ? `Use --max-instances ${headroom} or fewer, or ask for a higher Lambda "Concurrent executions" quota (Service Quotas).`
            : `Deploy without --max-instances, or ask for a higher Lambda "Concurrent executions" quota (Service Quotas).`,
      },
    );
  }
  if (site + CONVERTER_MAX_CONCURRENCY > headroom) {
    return {
      parameters: { MaxInstances: String(site), ConverterMaxConcurrency: "0" },
      note:
        `The converter of incoming/ is not capped at ${CONVERTER_MAX_CONCURRENCY} at once: this account's Lambda limit ` +
        `(${account.limit} concurrent executions in ${region}) leaves nothing to reserve; the limit itself caps it.`,
    };
  }
  return { parameters: { MaxInstances: String(site), ConverterMaxConcurrency: String(CONVERTER_MAX_CONCURRENCY) } };
}
