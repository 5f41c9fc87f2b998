// --extra-options "...": the `datasette serve` options `datasette publish`
// appends to the published site's command line, split as a POSIX shell would
// and translated into this CLI's own options. Those that make no sense on
// Lambda (or are not supported yet) are refused by name, never ignored. Pure.
import { resolve } from "node:path";
import { UserError } from "../errors.ts";
import { parseSettings } from "./settings.ts";
import type { UpdateStackOptions } from "./update-stack-options.ts";

const FLAG = "--extra-options";

/** `text` split into words as a POSIX shell splits them (quotes and backslashes; no expansions). */
export function splitShellWords(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw unterminated("single quote (')");
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (char === '"') {
      inWord = true;
      for (i++; ; i++) {
        if (i >= text.length) throw unterminated('double quote (")');
        const inner = text[i]!;
        if (inner === '"') break;
        // Inside double quotes a backslash escapes only $ ` " \ and a newline (which it removes).
        if (inner === "\\" && i + 1 < text.length && '$`"\\\n'.includes(text[i + 1]!)) {
          i++;
          if (text[i] !== "\n") word += text[i];
        } else {
          word += inner;
        }
      }
    } else if (char === "\\") {
      if (i + 1 >= text.length) {
        throw new UserError(`${FLAG} ends with a backslash that escapes nothing`, {
          hint: `Drop the last \\, or quote it: ${FLAG} "--version-note 'a\\\\b'"`,
        });
      }
      i++;
      if (text[i] !== "\n") {
        word += text[i];
        inWord = true;
      }
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function unterminated(what: string): UserError {
  return new UserError(`${FLAG} has an unterminated ${what}`, {
    hint: `Close the quote, e.g. ${FLAG} "--version-note 'nightly build'"`,
  });
}

/** What --extra-options can set: the `datasette serve` options this CLI has too. */
export type ExtraOptions = Pick<
  UpdateStackOptions,
  "cors" | "crossdb" | "setting" | "config" | "versionNote" | "metadata" | "templateDir" | "pluginsDir" | "static"
>;

type Single = "versionNote" | "metadata" | "templateDir" | "pluginsDir";

interface Accepted {
  /** How `datasette serve` spells it; the first is the name used in messages. */
  names: string[];
  /** Values after the option: 0 for a switch. */
  values: 0 | 1 | 2;
  apply(extra: ExtraOptions, values: string[], name: string): void;
}

function single(key: Single, flag: string) {
  return (extra: ExtraOptions, [value]: string[]): void => {
    const earlier = extra[key];
    if (earlier !== undefined && earlier !== value) {
      throw new UserError(`${FLAG} gives ${flag} twice: "${earlier}" and "${value}"`, { hint: `Give ${flag} once.` });
    }
    extra[key] = value!;
  };
}

const ACCEPTED: Accepted[] = [
  { names: ["--cors"], values: 0, apply: (extra) => void (extra.cors = true) },
  { names: ["--crossdb"], values: 0, apply: (extra) => void (extra.crossdb = true) },
  {
    names: ["--setting", "-s"],
    values: 2,
    apply: (extra, [name, value]) => void (extra.setting = [...(extra.setting ?? []), [name!, value!]]),
  },
  {
    names: ["--config"],
    values: 1,
    apply: (extra, [value], name) => {
      if (!value!.includes(":")) {
        throw new UserError(
          `${FLAG}: ${name} ${value} is Datasette 1.0's --config FILE (datasette.yaml), which the site's Datasette 0.65 does not take`,
          {
            hint:
              "Give settings as --setting NAME VALUE (or Datasette 0.x's --config NAME:VALUE), " +
              "and plugin configuration in --metadata FILE.",
          },
        );
      }
      extra.config = [...(extra.config ?? []), value!];
    },
  },
  { names: ["--version-note"], values: 1, apply: single("versionNote", "--version-note") },
  { names: ["--metadata", "-m"], values: 1, apply: single("metadata", "--metadata") },
  { names: ["--template-dir"], values: 1, apply: single("templateDir", "--template-dir") },
  { names: ["--plugins-dir"], values: 1, apply: single("pluginsDir", "--plugins-dir") },
  { names: ["--static"], values: 1, apply: (extra, [value]) => void (extra.static = [...(extra.static ?? []), value!]) },
];

const TAKEN =
  "--cors, --crossdb, --setting NAME VALUE, --config NAME:VALUE, --version-note TEXT, " +
  "-m/--metadata FILE, --template-dir DIR, --plugins-dir DIR, --static MOUNT:DIR";

interface Refused {
  names: string[];
  /** Why, after "NAME ": one clause. */
  why: string;
  /** What to do instead. */
  instead: string;
}

/** Every other `datasette serve` option (0.65's, and 1.0's new ones), with why it is refused. */
const REFUSED: Refused[] = [
  {
    names: ["--host", "-h"],
    why: "is not used: Lambda chooses the listener",
    instead: "Drop it: the site is served at its Function URL (or CloudFront, or --domain NAME).",
  },
  {
    names: ["--port", "-p"],
    why: "is not used: Lambda chooses the listener",
    instead: "Drop it: the site is served at its Function URL (or CloudFront, or --domain NAME).",
  },
  {
    names: ["--uds"],
    why: "is not used: Lambda chooses the listener",
    instead: "Drop it: the site is served at its Function URL (or CloudFront, or --domain NAME).",
  },
  {
    names: ["--ssl-keyfile"],
    why: "is not used: HTTPS is served by the Function URL and CloudFront",
    instead: "Drop it; for your own domain's certificate use --domain NAME.",
  },
  {
    names: ["--ssl-certfile"],
    why: "is not used: HTTPS is served by the Function URL and CloudFront",
    instead: "Drop it; for your own domain's certificate use --domain NAME.",
  },
  { names: ["--reload"], why: "has nothing to watch on Lambda", instead: "Drop it: run update-stack again to change the site." },
  { names: ["--pdb"], why: "needs a console, and Lambda has none", instead: "Drop it: read errors with datasette-lambda tail-logs NAME." },
  { names: ["--open", "-o"], why: "would open a browser on Lambda", instead: "Drop it: update-stack prints the site's URL." },
  {
    names: ["--get"],
    why: "runs one request and exits instead of serving the site",
    instead: "Drop it: request the deployed site instead (e.g. curl URL).",
  },
  {
    names: ["--token"],
    why: "is for --get, which runs one request and exits instead of serving the site",
    instead: "Drop it: request the deployed site instead (e.g. curl -H 'Authorization: Bearer TOKEN' URL).",
  },
  {
    names: ["--actor"],
    why: "is for --get, which runs one request and exits instead of serving the site",
    instead: "Drop it: request the deployed site instead.",
  },
  {
    names: ["--headers"],
    why: "is for --get, which runs one request and exits instead of serving the site",
    instead: "Drop it: request the deployed site instead (e.g. curl -i URL).",
  },
  {
    names: ["--root"],
    why: "prints a sign-in URL to a console nobody sees (the function's log)",
    instead: "Drop it: sign in through an authentication plugin (e.g. --install datasette-auth-passwords).",
  },
  {
    names: ["--load-extension"],
    why: "is not supported on Lambda yet",
    instead: "Drop it: SQLite extensions are not in the site's layer.",
  },
  { names: ["--inspect-file"], why: "is not taken: datasette-lambda writes its own inspect data into the package", instead: "Drop it." },
  {
    names: ["--immutable", "-i"],
    why: "is not needed: every database is served immutable already",
    instead: "Drop it, and pass the databases as FILES.",
  },
  { names: ["--nolock"], why: "is not needed: every database is served immutable already, without locks", instead: "Drop it." },
  {
    names: ["--memory"],
    why: "is Datasette's /_memory database, not this CLI's --memory (the function's MB)",
    instead: "Use --crossdb to serve /_memory; for the function's memory give --memory MB outside --extra-options.",
  },
  {
    names: ["--secret"],
    why: "is not taken: secrets must not be on a command line",
    instead: "Use --secret, or better DATASETTE_PUBLISH_SECRET in the environment.",
  },
  {
    names: ["--create"],
    why: "would create empty databases on Lambda's read-only disk",
    instead: "Drop it: pass existing databases as FILES.",
  },
  {
    names: ["--internal"],
    why: "is Datasette 1.0's internal database file, and Lambda keeps no file between instances",
    instead: "Drop it.",
  },
  {
    names: ["--default-deny"],
    why: "is not an option of the site's Datasette (0.65)",
    instead: 'Drop it: deny access with "allow" blocks in --metadata FILE.',
  },
  {
    names: ["-c"],
    why: "is Datasette 1.0's --config FILE (datasette.yaml), which the site's Datasette 0.65 does not take",
    instead: "Give settings as --setting NAME VALUE, and plugin configuration in --metadata FILE.",
  },
  {
    names: ["--help-settings"],
    why: "prints the settings instead of serving the site",
    instead: "Drop it: run datasette serve --help-settings locally; give settings as --setting NAME VALUE.",
  },
  { names: ["--help"], why: "prints help instead of serving the site", instead: "Drop it: run datasette serve --help locally." },
];

function refusal(name: string, refused: Refused): UserError {
  return new UserError(`${FLAG}: ${name} ${refused.why}`, { hint: refused.instead });
}

/** --extra-options' text → the options it sets. Throws a UserError naming the first it refuses. */
export function parseExtraOptions(text: string): ExtraOptions {
  const words = splitShellWords(text);
  const extra: ExtraOptions = {};
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === "--") {
      const next = words[i + 1];
      if (next === undefined) continue;
      throw positional(next);
    }
    if (!word.startsWith("-") || word === "-") throw positional(word);
    // --name=value, or a short option's value attached: -mmeta.json (as click takes them).
    const long = word.startsWith("--");
    const equals = long ? word.indexOf("=") : -1;
    const name = long ? (equals < 0 ? word : word.slice(0, equals)) : word.slice(0, 2);
    const attached = long ? (equals < 0 ? undefined : word.slice(equals + 1)) : word.length > 2 ? word.slice(2) : undefined;
    const accepted = ACCEPTED.find((option) => option.names.includes(name));
    if (!accepted) {
      const refused = REFUSED.find((option) => option.names.includes(name));
      if (refused) throw refusal(name, refused);
      throw new UserError(`${FLAG}: ${name} is not a datasette serve option`, { hint: `--extra-options takes ${TAKEN}.` });
    }
    if (accepted.values === 0) {
      if (attached !== undefined) throw new UserError(`${FLAG}: ${name} takes no value`, { hint: `Give it alone, e.g. ${FLAG} "${name}"` });
      accepted.apply(extra, [], name);
      continue;
    }
    const given = attached !== undefined ? [attached] : [];
    while (given.length < accepted.values && i + 1 < words.length) given.push(words[++i]!);
    if (given.length < accepted.values) {
      const example = EXAMPLES[accepted.names[0]!];
      throw new UserError(`${FLAG}: ${name} takes ${accepted.values === 1 ? "a value" : `${accepted.values} values`}`, {
        hint: `e.g. ${FLAG} "${example}"`,
      });
    }
    accepted.apply(extra, given, name);
  }
  return extra;
}

const EXAMPLES: Record<string, string> = {
  "--setting": "--setting sql_time_limit_ms 3500",
  "--config": "--config sql_time_limit_ms:3500",
  "--version-note": "--version-note 'nightly build'",
  "--metadata": "--metadata metadata.json",
  "--template-dir": "--template-dir templates",
  "--plugins-dir": "--plugins-dir plugins",
  "--static": "--static assets:./static",
};

function positional(word: string): UserError {
  return new UserError(`${FLAG}: "${word}" is not an option; databases are not taken there`, {
    hint: "Pass databases as FILES (datasette-lambda update-stack NAME FILES...), outside --extra-options.",
  });
}

const SINGLE: Array<{ key: Single; flag: string; path: boolean }> = [
  { key: "metadata", flag: "--metadata", path: true },
  { key: "versionNote", flag: "--version-note", path: false },
  { key: "templateDir", flag: "--template-dir", path: true },
  { key: "pluginsDir", flag: "--plugins-dir", path: true },
];

/** The same setting given different values by the flags and by --extra-options. */
function checkSettingConflicts(options: UpdateStackOptions, extra: ExtraOptions): void {
  const own = parseSettings(options.config, options.setting as Array<[string, string]> | undefined);
  const added = parseSettings(extra.config, extra.setting as Array<[string, string]> | undefined);
  for (const [key, value] of Object.entries(added)) {
    if (key in own && own[key] !== value) {
      throw new UserError(`the setting ${key} is ${String(own[key])} by --setting/--config but ${String(value)} by ${FLAG}`, {
        hint: `Give ${key} once.`,
      });
    }
  }
}

/**
 * The options with --extra-options' translated in (and extraOptions removed).
 * Switches in both are fine; --setting, --config and --static add up; a
 * single-valued option (or a setting) given different values both ways is a UserError.
 */
export function withExtraOptions(options: UpdateStackOptions): UpdateStackOptions {
  const { extraOptions, ...rest } = options;
  if (extraOptions === undefined) return options;
  const extra = parseExtraOptions(extraOptions);
  const merged: UpdateStackOptions = { ...rest };
  if (extra.cors) merged.cors = true;
  if (extra.crossdb) merged.crossdb = true;
  for (const { key, flag, path } of SINGLE) {
    const added = extra[key];
    if (added === undefined) continue;
    const own = options[key];
    if (own !== undefined && (path ? resolve(own) !== resolve(added) : own !== added)) {
      throw new UserError(`${flag} "${own}" and ${FLAG} "${flag} ${added}" disagree`, { hint: `Give ${flag} once.` });
    }
    merged[key] = own ?? added;
  }
  checkSettingConflicts(options, extra);
  if (extra.setting) merged.setting = [...(options.setting ?? []), ...extra.setting];
  if (extra.config) merged.config = [...(options.config ?? []), ...extra.config];
  if (extra.static) {
    const own = options.static ?? [];
    merged.static = [...own, ...extra.static.filter((mount) => !own.includes(mount))];
  }
  return merged;
}
