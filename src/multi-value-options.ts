// Options that take several values, as Datasette's click options do with
// nargs (`--setting NAME VALUE`, `--plugin-secret PLUGIN KEY VALUE`).
// Commander gives an option one value, so before parsing, each such option
// and its values become one `--flag=<JSON array>` argument that the option's
// parser decodes. Pure.
import { InvalidArgumentError } from "commander";
import { UserError } from "./errors.ts";

/** How many values each multi-value option takes, and an example for errors. */
export const MULTI_VALUE_OPTIONS: Record<string, { count: number; example: string }> = {
  "--setting": { count: 2, example: "--setting sql_time_limit_ms 3500" },
  "--plugin-secret": { count: 3, example: "--plugin-secret datasette-auth-github client_secret xxx" },
};

/** argv with every multi-value option joined to its values (nothing after `--` is touched). */
export function groupMultiValueOptions(argv: string[], options = MULTI_VALUE_OPTIONS): string[] {
  const grouped: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") return [...grouped, ...argv.slice(i)];
    const spec = options[arg];
    if (!spec) {
      grouped.push(arg);
      continue;
    }
    const values = argv.slice(i + 1, i + 1 + spec.count);
    if (values.length < spec.count || values.includes("--")) {
      throw new UserError(`${arg} takes ${spec.count} values`, { hint: `e.g. ${spec.example}` });
    }
    grouped.push(`${arg}=${JSON.stringify(values)}`);
    i += spec.count;
  }
  return grouped;
}

/** The option's parser: decodes one grouped argument and collects it. */
export function collectGroup(flag: string) {
  return (value: string, previous: string[][] = []): string[][] => {
    const spec = MULTI_VALUE_OPTIONS[flag]!;
    let values: unknown;
    try {
      values = JSON.parse(value);
    } catch {
      values = undefined;
    }
    if (!Array.isArray(values) || values.length !== spec.count || !values.every((v) => typeof v === "string")) {
      throw new InvalidArgumentError(`${flag} takes ${spec.count} values, e.g. ${spec.example}`);
    }
    return [...previous, values as string[]];
  };
}
