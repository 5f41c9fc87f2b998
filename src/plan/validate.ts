// Pure validation of single flags. Each failure names the flag and shows a valid example.
import { validateLiveName } from "../database-names.ts";
import { UserError } from "../errors.ts";
import { ARCHITECTURES, DEFAULT_ARCHITECTURE } from "./defaults.ts";
import type { Architecture } from "./types.ts";
import { MAX_SITE_NAME_LENGTH, MEMORY_MB, SNAPSTART_MIN_PYTHON_MINOR, TIMEOUT_SECONDS } from "./limits.ts";
import { creatableRuntimes, NEWEST_RUNTIME, RUNTIMES_SOURCE, runtimeStatus } from "./runtimes.ts";

export function validateSiteName(name: string): string {
  if (!/^[A-Za-z][-A-Za-z0-9]*$/.test(name)) {
    throw new UserError(`invalid site name "${name}": use letters, digits and hyphens, starting with a letter`, {
      hint: "CloudFormation stack names allow only [A-Za-z][-A-Za-z0-9]*, e.g. my-site",
    });
  }
  if (name.length > MAX_SITE_NAME_LENGTH) {
    throw new UserError(`site name "${name}" is ${name.length} characters; the limit is ${MAX_SITE_NAME_LENGTH}`, {
      hint: `The function is named NAME-lambda and Lambda function names stop at 64 characters: choose a shorter name.`,
    });
  }
  return name;
}

/** "/a/b/" or "a/b" → "a/b"; null when empty. */
export function validatePrefix(prefix: string | undefined): string | null {
  if (prefix === undefined) return null;
  const trimmed = prefix.replace(/^\/+|\/+$/g, "");
  if (trimmed === "") return null;
  for (const segment of trimmed.split("/")) {
    if (!/^[A-Za-z0-9._~-]+$/.test(segment) || segment === "." || segment === "..") {
      throw new UserError(`--prefix "${prefix}" has an illegal path segment "${segment}"`, {
        hint: "Use letters, digits and . _ ~ - separated by /, e.g. --prefix data or --prefix v1/data",
      });
    }
  }
  return trimmed;
}

export function validateMemory(memory: number | undefined): number {
  const value = memory ?? MEMORY_MB.default;
  if (!Number.isInteger(value) || value < MEMORY_MB.min || value > MEMORY_MB.max) {
    throw new UserError(`--memory ${value} is out of Lambda's range ${MEMORY_MB.min}-${MEMORY_MB.max} MB`, {
      hint: `e.g. --memory ${MEMORY_MB.default}`,
    });
  }
  return value;
}

export function validateTimeout(timeout: number | undefined): number {
  const value = timeout ?? TIMEOUT_SECONDS.default;
  if (!Number.isInteger(value) || value < TIMEOUT_SECONDS.min || value > TIMEOUT_SECONDS.max) {
    throw new UserError(`--timeout ${value} is out of Lambda's range ${TIMEOUT_SECONDS.min}-${TIMEOUT_SECONDS.max} seconds`, {
      hint: `e.g. --timeout ${TIMEOUT_SECONDS.default}`,
    });
  }
  return value;
}

export function validateArchitecture(arch: string | undefined): Architecture {
  const value = arch ?? DEFAULT_ARCHITECTURE;
  if (!(ARCHITECTURES as readonly string[]).includes(value)) {
    throw new UserError(`--arch ${value} is not a Lambda architecture`, {
      hint: `Use one of ${ARCHITECTURES.join(", ")}, e.g. --arch ${DEFAULT_ARCHITECTURE}`,
    });
  }
  return value as Architecture;
}

/**
 * Returns the Python version ("3.13") of a runtime Lambda still creates
 * functions with on `now` (src/plan/runtimes.ts); a deprecated one is warned
 * about by planWarnings.
 */
export function validateRuntime(runtime: string, now: Date): string {
  const status = runtimeStatus(runtime, now);
  if (status.kind === "blocked") {
    throw new UserError(`--runtime ${runtime}: AWS Lambda stopped creating functions with it on ${status.runtime.blockCreate}`, {
      hint: `Use --runtime ${NEWEST_RUNTIME} (Lambda's runtime dates: ${RUNTIMES_SOURCE}).`,
    });
  }
  if (status.kind === "unknown") {
    throw new UserError(`--runtime ${runtime} is not supported`, {
      hint: `Use one of ${creatableRuntimes(now).join(", ")}, e.g. --runtime ${NEWEST_RUNTIME}`,
    });
  }
  return runtime.slice("python".length);
}

/** --snapstart: Lambda offers SnapStart for Python from python3.12 on. */
export function validateSnapStart(snapstart: boolean | undefined, runtime: string, pythonVersion: string): boolean {
  if (!snapstart) return false;
  if (Number(pythonVersion.split(".")[1]) < SNAPSTART_MIN_PYTHON_MINOR) {
    throw new UserError(`--snapstart needs python3.${SNAPSTART_MIN_PYTHON_MINOR} or later; --runtime ${runtime} has no SnapStart`, {
      hint: "Lambda SnapStart supports Python 3.12 and later: e.g. --runtime python3.13 --snapstart, or drop --snapstart.",
    });
  }
  return true;
}

export function validateDomain(domain: string | undefined): string | null {
  if (domain === undefined) return null;
  const name = domain.toLowerCase().replace(/\.$/, "");
  const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
  const labels = name.split(".");
  if (name.length > 253 || labels.length < 2 || !labels.every((part) => label.test(part)) || /^\d+$/.test(labels.at(-1) ?? "")) {
    throw new UserError(`--domain "${domain}" is not a valid domain name`, {
      hint: "Give a full host name without scheme or path, e.g. --domain data.example.com",
    });
  }
  return name;
}

/** --into NAME: a database name by the name rule (src/database-names.ts); null when not given. */
export function validateDatabaseName(flag: string, name: string | undefined): string | null {
  return name === undefined ? null : validateLiveName(name, { flag });
}

/** --pk COL: a column name; null when not given. */
export function validatePk(column: string | undefined): string | null {
  if (column === undefined) return null;
  if (column.trim() === "") throw new UserError("--pk needs a column name", { hint: "e.g. --pk id" });
  return column;
}

/** --max-instances N: a whole number; 0 (as `datasette publish cloudrun --max-instances 0`) or none means no cap. */
export function validateMaxInstances(value: number | undefined): number | null {
  if (value === undefined || value === 0) return null;
  if (!Number.isInteger(value) || value < 0) {
    throw new UserError(`--max-instances ${value} is not a number of instances`, { hint: "e.g. --max-instances 10, or 0 for no cap" });
  }
  return value;
}
