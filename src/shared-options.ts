// The options every subcommand accepts, defined once (as Datasette's
// publish/common.py does) so they mean the same thing everywhere.
import { Option, type Command } from "commander";

export interface SharedOptions {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  json?: boolean;
  yes?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

export function addSharedOptions(command: Command): Command {
  return command
    .addOption(new Option("--region <region>", "AWS region (default: AWS_REGION or your profile's region)"))
    .addOption(new Option("--profile <name>", "AWS profile from ~/.aws/config (default: AWS_PROFILE)"))
    .addOption(
      new Option(
        "--endpoint-url <url>",
        "send AWS calls to this endpoint instead, e.g. a local moto server (default: AWS_ENDPOINT_URL)",
      ),
    )
    .addOption(new Option("--json", "print one machine-readable JSON result on stdout"))
    .addOption(new Option("-y, --yes", "do not ask for confirmation"))
    .addOption(new Option("-q, --quiet", "print only the result and warnings"))
    .addOption(new Option("-v, --verbose", "print more detail, and stack traces on errors"));
}
