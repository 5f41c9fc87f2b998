// Clean-up's age threshold from the environment, for end-to-end tests only.
import { UserError } from "../errors.ts";

/**
 * Test hook, not a user setting (hence undocumented): DATASETTE_LAMBDA_TEST_GC_MIN_AGE_MS
 * lowers the age below which clean-up keeps an unreferenced artifact (15 minutes),
 * so end-to-end tests can show old garbage still goes while runs overlap. update-stack
 * (artifacts) and push/rm (live databases) read it.
 */
export function garbageOptionsFromEnv(env: NodeJS.ProcessEnv): { minAgeMs?: number } {
  const value = env.DATASETTE_LAMBDA_TEST_GC_MIN_AGE_MS;
  if (value === undefined || value === "") return {};
  const minAgeMs = Number(value);
  if (!Number.isFinite(minAgeMs) || minAgeMs < 0) {
    throw new UserError(`DATASETTE_LAMBDA_TEST_GC_MIN_AGE_MS must be a number of milliseconds (0 or more), not "${value}"`);
  }
  return { minAgeMs };
}
