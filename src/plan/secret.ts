// --secret: Datasette's signing secret, from the flag or DATASETTE_PUBLISH_SECRET
// (as datasette publish reads it). Pure. The value is never put in an error.
import { UserError } from "../errors.ts";
import { PARAMETER_VALUE_BYTES } from "./limits.ts";

/** The secret the user gave, or undefined: the site keeps (or on create generates) its own. */
export function givenSecret(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const source = flag !== undefined ? "--secret" : "DATASETTE_PUBLISH_SECRET";
  const value = flag ?? env.DATASETTE_PUBLISH_SECRET;
  if (value === undefined) return undefined;
  if (value.trim() === "") {
    throw new UserError(`${source} is empty`, {
      hint: "Give a long random value (e.g. from `openssl rand -hex 32`), or leave it out to keep the site's own secret.",
    });
  }
  if (value.length < 16) {
    throw new UserError(`${source} is shorter than 16 characters, the least the site's stack takes`, {
      hint: "Use a long random value, e.g. from `openssl rand -hex 32`.",
    });
  }
  if (Buffer.byteLength(value) > PARAMETER_VALUE_BYTES) {
    throw new UserError(`${source} is over ${PARAMETER_VALUE_BYTES} bytes, CloudFormation's limit for a parameter value`, {
      hint: "Use a shorter secret, e.g. 64 hex digits.",
    });
  }
  return value;
}
