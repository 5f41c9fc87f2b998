// The options every subcommand accepts, defined once (as Datasette's
// publish/common.py does) so they mean the same thing everywhere. Their
// TypeScript type is derived from these definitions. --yes is not among them:
// only the commands that ask for confirmation take it (addConfirmOption).
import { Option, type Command } from "commander";

interface Definition {
  flags: string;
  description: string;
  /** What commander hands over: a string for `<value>` flags, true for switches. */
  kind: "string" | "boolean";
}

/** Keys are commander's attribute names for the flags (checked by a test). */
export const SHARED_OPTIONS = {
  region: { flags: "--region <region>", description: "AWS region (default: AWS_REGION or your profile's region)", kind: "string" },
  profile: { flags: "--profile <name>", description: "AWS profile from ~/.aws/config (default: AWS_PROFILE)", kind: "string" },
  endpointUrl: {
    flags: "--endpoint-url <url>",
    description: "send AWS calls to this endpoint instead, e.g. a local moto server (default: AWS_ENDPOINT_URL)",
    kind: "string",
  },
  json: { flags: "--json", description: "print one machine-readable JSON result on stdout", kind: "boolean" },
  quiet: { flags: "-q, --quiet", description: "print only the result and warnings", kind: "boolean" },
  verbose: { flags: "-v, --verbose", description: "print more detail, and stack traces on errors", kind: "boolean" },
} as const satisfies Record<string, Definition>;

export type SharedOptions = {
  -readonly [K in keyof typeof SHARED_OPTIONS]?: (typeof SHARED_OPTIONS)[K]["kind"] extends "string" ? string : boolean;
};

/** What the commands that ask first (delete-stack, rm) take on top. */
export interface ConfirmOptions extends SharedOptions {
  yes?: boolean;
}

export function addSharedOptions(command: Command): Command {
  for (const definition of Object.values(SHARED_OPTIONS)) command.addOption(new Option(definition.flags, definition.description));
  return command;
}

/** -y, --yes: for the commands that ask for confirmation, and only those. */
export function addConfirmOption(command: Command): Command {
  return command.addOption(new Option("-y, --yes", "do not ask for confirmation"));
}
