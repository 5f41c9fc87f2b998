// update-stack in a process of its own, as a second CLI racing the first
// would run it, but with clean-up's minimum age injected (deps.garbage): the
// CLI keeps every unused artifact for 15 minutes, which would hide a clean-up
// that deletes what another run is deploying. The real build and deploy; AWS
// settings from the environment, as for the CLI. Exits 0, or 1 with the error
// on stderr. test/_helpers/cli.ts runs it (runUpdateStackProcess).
import { buildSite } from "../../src/artifacts/build.ts";
import { createAwsClients } from "../../src/aws/clients.ts";
import { runUpdateStack } from "../../src/commands/update-stack.ts";
import { deploySite } from "../../src/deploy/deploy-site.ts";
import type { UpdateStackOptions } from "../../src/plan/update-stack-options.ts";
import { createOutput } from "../../src/ui/output.ts";

export interface UpdateStackRequest {
  name: string;
  files: string[];
  /** As commander would hand them over; unset flags take their defaults in checkOptions. */
  options: UpdateStackOptions;
  minAgeMs: number;
}

const { name, files, options, minAgeMs } = JSON.parse(process.argv[2] ?? "") as UpdateStackRequest;
try {
  await runUpdateStack(name, files, options, {
    output: createOutput(options),
    env: process.env,
    clients: () => createAwsClients(options),
    build: buildSite,
    deploy: deploySite,
    garbage: { minAgeMs },
  });
} catch (error) {
  process.stderr.write(`Error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
