// The commander program: the subcommands, shared options defined once,
// every error printed here and nowhere else. Command modules are imported
// lazily so `--help` does not load the AWS SDK.
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { readFileSync } from "node:fs";
import { DatasetteLambdaError, errorMessage } from "./errors.ts";
import { ARCHITECTURES, DEFAULT_ARCHITECTURE, DEFAULT_LOGS_SINCE, DEFAULT_OUT_DIR, DEFAULT_RUNTIME } from "./plan/defaults.ts";
import { collectGroup, groupMultiValueOptions } from "./multi-value-options.ts";
import { PYTHON_RUNTIMES } from "./plan/runtimes.ts";
import { addConfirmOption, addSharedOptions } from "./shared-options.ts";
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

/** "python3.11, python3.12, ...": the runtime table's rows, oldest first. */
function runtimeChoices(): string {
  return PYTHON_RUNTIMES.map((runtime) => runtime.id)
    .reverse()
    .join(", ");
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
      .argument(
        "[files...]",
        "SQLite databases to serve (.db, .sqlite, .sqlite3), " +
          "and data files to convert (.csv, .tsv, .json, .ndjson, .jsonl, .yaml, .yml, .md, .xlsx)",
      )
      .option("--cors", "send Access-Control-Allow-Origin: * (Datasette --cors)")
      .option("--prefix <path>", "serve the site under /PATH/ instead of / (e.g. --prefix data)")
      .option("-m, --metadata <file>", "Datasette metadata file, JSON or YAML")
      .option("--title <title>", "title for the site's metadata (wins over --metadata's)")
      .option("--license <name>", "license of the data, for the metadata (e.g. --license CC-BY-4.0)")
      .option("--license_url <url>", "address of the license")
      .option("--source <name>", "source of the data, for the metadata")
      .option("--source_url <url>", "address of the source")
      .option("--about <text>", "what the site is about, for the metadata")
      .option("--about_url <url>", "address of more about the site")
      .option(
        "--setting <name> <value>",
        "Datasette setting, repeatable (e.g. --setting sql_time_limit_ms 3500)",
        collectGroup("--setting"),
      )
      .option("--config <key:value>", "Datasette setting, older spelling, repeatable (e.g. --config sql_time_limit_ms:3500)", collect)
      .option(
        "--plugin-secret <plugin> <key> <value>",
        "secret setting for a plugin, repeatable: its value reaches the function's environment only " +
          "(e.g. --plugin-secret datasette-auth-github client_secret VALUE)",
        collectGroup("--plugin-secret"),
      )
      .option(
        "--install <package>",
        "Python package (e.g. a Datasette plugin) for the dependency layer, repeatable: " +
          "a name with optional version and marker, a local .whl file, or 'NAME @ https://…/x.whl' " +
          "(e.g. --install datasette-cluster-map)",
        collect,
      )
      .option("--plugins-dir <dir>", "directory of plugin modules (.py) to load, copied into the package")
      .option("--template-dir <dir>", "directory of templates overriding Datasette's, copied into the package")
      .option("--static <mount:dir>", "serve the files of DIR under /MOUNT/, repeatable (e.g. --static assets:./static)", collect)
      .option("--crossdb", "allow SQL queries across databases, at /_memory (Datasette --crossdb)")
      .option("--version-note <note>", "note shown on /-/versions.json (Datasette --version-note)")
      .option(
        "--extra-options <options>",
        "datasette serve options to apply, as datasette publish takes them " +
          '(e.g. --extra-options "--setting sql_time_limit_ms 3500 --cors")',
      )
      .option(
        "--secret <secret>",
        "Datasette's signing secret (default: DATASETTE_PUBLISH_SECRET, else the site keeps the random one made on its first deploy)",
      )
      .option("--external", "keep databases in S3 (downloaded at cold start) even when they fit in the package")
      .option("--domain <name>", "custom domain for the site (e.g. data.example.com)")
      .addOption(
        new Option("--runtime <runtime>", `Lambda Python runtime, ${runtimeChoices()} (refused from Lambda's block-create date)`).default(
          DEFAULT_RUNTIME,
        ),
      )
      .addOption(new Option("--arch <arch>", "Lambda architecture").choices(ARCHITECTURES).default(DEFAULT_ARCHITECTURE))
      .addOption(new Option("--memory <mb>", "Lambda memory in MB, 128-10240 (default 1024)").argParser(integer("--memory", "1024")))
      .addOption(new Option("--timeout <seconds>", "Lambda timeout in seconds, 1-900 (default 30)").argParser(integer("--timeout", "30")))
      .addOption(
        new Option(
          "--max-instances <n>",
          "at most N instances of the site's function at once (Lambda reserved concurrency), a cap on its cost; 0: no cap (default)",
        ).argParser(integer("--max-instances", "10")),
      )
      .option("--no-cdn", "serve from the Lambda Function URL only, without CloudFront")
      .option("--into <name>", "put the tables of every data file into this one database (e.g. --into data)")
      .option("--pk <column>", "primary key column of the tables made from data files (default: a unique column named id)")
      .option("--data-as-of <time>", "when the data was last updated, ISO 8601 (default: each file's modification time)")
      .option(
        "--snapstart",
        "Lambda SnapStart: new instances resume from a snapshot of a started site " +
          "(python3.12+, not in every region; it costs money at rest: see docs/cli.md)",
      )
      .option("--dry-run", "build everything and write it to --out; call no AWS API")
      .option("--out <dir>", "where --dry-run writes templates, parameters and artifacts", DEFAULT_OUT_DIR)
      .addHelpText(
        "after",
        [
          "",
          "Examples:",
          "  $ datasette-lambda update-stack mysite data.db",
          "  $ datasette-lambda update-stack mysite data.db --cors --prefix x",
          "  $ datasette-lambda update-stack mysite a.db b.db --metadata metadata.yml --no-cdn",
          "  $ datasette-lambda update-stack mysite sales.csv regions.json --into data --data-as-of 2026-12-01",
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
      .option("--since <time>", "start this long ago (10m, 1h, 2d) or at an ISO time", DEFAULT_LOGS_SINCE)
      .option("-f, --follow", "keep printing new events (default on a terminal)")
      .option("--no-follow", "print what there is and stop")
      .option("--filter <pattern>", "CloudWatch Logs filter pattern, e.g. ERROR or '\"GET /\"'")
      .addHelpText(
        "after",
        [
          "",
          "Examples:",
          "  $ datasette-lambda tail-logs mysite",
          "  $ datasette-lambda tail-logs mysite --since 1h --filter ERROR --no-follow",
        ].join("\n"),
      ),
  ).action(async (name: string, options, command: Command) => {
    const { tailLogs } = await import("./commands/tail-logs.ts");
    await tailLogs(name, options, command);
  });

  addConfirmOption(
    addSharedOptions(
      program
        .command("delete-stack")
        .summary("delete the site and everything created for it")
        .description("Delete the site NAME: both stacks and every object in its bucket. Asks first unless --yes.")
        .argument("<name>", "site name given to update-stack")
        .addHelpText(
          "after",
          ["", "Examples:", "  $ datasette-lambda delete-stack mysite", "  $ datasette-lambda delete-stack mysite --yes"].join("\n"),
        ),
    ),
  ).action(async (name: string, options, command: Command) => {
    const { deleteStack } = await import("./commands/delete-stack.ts");
    await deleteStack(name, options, command);
  });

  addSharedOptions(
    program
      .command("push")
      .summary("publish files as live databases of the site NAME, without a redeploy")
      .description(
        "Convert and check FILES here (errors before anything is uploaded), publish them as live databases " +
          "of the site NAME without a redeploy, wait until the site serves them, and print their URLs.",
      )
      .argument("<name>", "site name given to update-stack")
      .argument(
        "<files...>",
        "SQLite databases (.db, .sqlite, .sqlite3) and data files to convert (.csv, .json, ...); " +
          "each becomes the database named after its file",
      )
      .option("--into <db>", "put every data file into one database of this name, or publish one SQLite file under it (e.g. --into sales)")
      .option("--pk <column>", "primary key column for tables converted from data files (CSV, JSON)")
      .option("--no-wait", "return once published, without waiting for the site to serve it")
      .option("--url <url>", "wait on this address of the site instead of its own (e.g. http://127.0.0.1:8001/)")
      .addHelpText(
        "after",
        [
          "",
          "Examples:",
          "  $ datasette-lambda push mysite sales.db",
          "  $ datasette-lambda push mysite export-2026.db --into sales --no-wait",
        ].join("\n"),
      ),
  ).action(async (name: string, files: string[], options, command: Command) => {
    const { push } = await import("./commands/push.ts");
    await push(name, files, options, command);
  });

  addSharedOptions(
    program
      .command("ls")
      .summary("list what the site serves, and files that failed to convert")
      .description(
        "List the databases the site NAME serves (live and deployed: tables, size, data as of), the live entries it cannot serve " +
          "and the files that failed to convert (with their reasons), and any file left unconverted in incoming/.",
      )
      .argument("<name>", "site name given to update-stack")
      .addHelpText("after", ["", "Examples:", "  $ datasette-lambda ls mysite", "  $ datasette-lambda ls mysite --json"].join("\n")),
  ).action(async (name: string, options, command: Command) => {
    const { ls } = await import("./commands/ls.ts");
    await ls(name, options, command);
  });

  addConfirmOption(
    addSharedOptions(
      program
        .command("rm")
        .summary("stop serving one live database")
        .description(
          "Stop serving the live database DB on the site NAME (a deployed one of that name comes back), or remove an entry " +
            "ls lists as not served. Asks first unless --yes.",
        )
        .argument("<name>", "site name given to update-stack")
        .argument("<db>", "the live database's name (or the entry's), as ls shows it")
        .addHelpText(
          "after",
          ["", "Examples:", "  $ datasette-lambda rm mysite sales", "  $ datasette-lambda rm mysite sales --yes"].join("\n"),
        ),
    ),
  ).action(async (name: string, db: string, options, command: Command) => {
    const { rm } = await import("./commands/rm.ts");
    await rm(name, db, options, command);
  });

  return program;
}

/** Runs the program; resolves to the process exit code. */
export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(groupMultiValueOptions(argv));
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
    process.stderr.write(`${out.colors.red("Error:")} unexpected failure: ${errorMessage(error)}\n`);
    process.stderr.write(
      verbose && error instanceof Error && error.stack ? `${error.stack}\n` : "Run again with --verbose for the stack trace.\n",
    );
    return 1;
  }
}
