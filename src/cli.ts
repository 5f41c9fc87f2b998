// The commander program: three subcommands, shared options defined once,
// every error printed here and nowhere else. Command modules are imported
// lazily so `--help` does not load the AWS SDK.
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { readFileSync } from "node:fs";
import { DatasetteLambdaError } from "./errors.ts";
import { addSharedOptions } from "./shared-options.ts";
import { createOutput } from "./ui/output.ts";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function integer(flag: string, example: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${flag} takes a whole number, e.g. ${example}`);
    return Number(value);
  };
}

export function buildProgram(): Command {
  const program = new Command("datasette-lambda")
    .description("Publish SQLite databases as a Datasette site on AWS Lambda.")
    .version(version, "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ outputError: (text, write) => write(text) });

  addSharedOptions(
    program
      .command("update-stack")
      .summary("create or update the site NAME with these databases")
      .description(
        "Create or update the Datasette site NAME on AWS Lambda, serving FILES.\n" +
          "Re-running with the same input changes nothing and uploads nothing.",
      )
      .argument("<name>", "site name; also the CloudFormation stack names NAME and NAME-lambda")
      .argument("[files...]", "SQLite databases to serve (.db, .sqlite, .sqlite3)")
      .option("--cors", "send Access-Control-Allow-Origin: * (Datasette --cors)")
      .option("--prefix <path>", "serve the site under /PATH/ instead of / (e.g. --prefix data)")
      .option("-m, --metadata <file>", "Datasette metadata file, JSON or YAML")
      .option("--config <key:value>", "Datasette setting, repeatable (e.g. --config sql_time_limit_ms:3500)", collect)
      .option("--external", "keep databases in S3 (downloaded at cold start) even when they fit in the package")
      .option("--domain <name>", "custom domain for the site (e.g. data.example.com)")
      .addOption(new Option("--runtime <runtime>", "Lambda Python runtime").default("python3.13"))
      .addOption(new Option("--arch <arch>", "Lambda architecture").choices(["arm64", "x86_64"]).default("arm64"))
      .addOption(new Option("--memory <mb>", "Lambda memory in MB, 128-10240").argParser(integer("--memory", "1024")))
      .addOption(new Option("--timeout <seconds>", "Lambda timeout in seconds, 1-900").argParser(integer("--timeout", "30")))
      .option("--no-cdn", "serve from the Lambda Function URL only, without CloudFront")
      .option("--snapstart", "Lambda SnapStart: new instances resume from a snapshot of a started site (python3.12+; see README for its cost)")
      .option("--dry-run", "build everything and write it to --out; call no AWS API")
      .option("--out <dir>", "where --dry-run writes templates, parameters and artifacts", "datasette-lambda-out")
      .addHelpText(
        "after",
        [
          "",
          "Examples:",
          "  $ datasette-lambda update-stack mysite data.db",
          "  $ datasette-lambda update-stack mysite data.db --cors --prefix x",
          "  $ datasette-lambda update-stack mysite a.db b.db --metadata metadata.yml --no-cdn",
          "  $ datasette-lambda update-stack mysite data.db --snapstart",
          "  $ datasette-lambda update-stack mysite data.db --dry-run --out build/",
        ].join("\n"),
      ),
  ).action(async (name: string, files: string[], options, command: Command) => {
    const { updateStack } = await import("./commands/update-stack.ts");
    await updateStack(name, files, options, command);
  });

  addSharedOptions(
    program
      .command("tail-logs")
      .summary("show the site's Lambda logs")
      .description("Show the CloudWatch logs of the site NAME's function, following new events on a terminal.")
      .argument("<name>", "site name given to update-stack")
      .option("--since <time>", "start this long ago (10m, 1h, 2d) or at an ISO time", "10m")
      .option("-f, --follow", "keep printing new events (default on a terminal)")
      .option("--no-follow", "print what there is and stop")
      .option("--filter <pattern>", "CloudWatch Logs filter pattern, e.g. ERROR or '\"GET /\"'")
      .addHelpText(
        "after",
        ["", "Examples:", "  $ datasette-lambda tail-logs mysite", "  $ datasette-lambda tail-logs mysite --since 1h --filter ERROR --no-follow"].join("\n"),
      ),
  ).action(async (name: string, options, command: Command) => {
    const { tailLogs } = await import("./commands/tail-logs.ts");
    await tailLogs(name, options, command);
  });

  addSharedOptions(
    program
      .command("delete-stack")
      .summary("delete the site and everything created for it")
      .description("Delete the site NAME: both stacks and every object in its bucket. Asks first unless --yes.")
      .argument("<name>", "site name given to update-stack")
      .addHelpText("after", ["", "Examples:", "  $ datasette-lambda delete-stack mysite", "  $ datasette-lambda delete-stack mysite --yes"].join("\n")),
  ).action(async (name: string, options, command: Command) => {
    const { deleteStack } = await import("./commands/delete-stack.ts");
    await deleteStack(name, options, command);
  });

  return program;
}

/** Runs the program; resolves to the process exit code. */
export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const verbose = argv.includes("--verbose") || argv.includes("-v");
    const out = createOutput({ verbose });
    if (error instanceof DatasetteLambdaError) {
      process.stderr.write(`${out.colors.red("Error:")} ${error.message}\n`);
      if (error.hint) process.stderr.write(`${error.hint}\n`);
      if (verbose && error.stack) process.stderr.write(`${error.stack}\n`);
      return error.exitCode;
    }
    process.stderr.write(`${out.colors.red("Error:")} unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`);
    process.stderr.write(verbose && error instanceof Error && error.stack ? `${error.stack}\n` : "Run again with --verbose for the stack trace.\n");
    return 1;
  }
}
