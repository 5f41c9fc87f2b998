// --plugin-secret PLUGIN KEY VALUE, as datasette publish does it: the metadata
// gets {"plugins": {PLUGIN: {KEY: {"$env": "PLUGIN_KEY"}}}} and the value goes
// to the function's environment as PLUGIN_KEY. Here all values travel in one
// NoEcho stack parameter (JSON), handed to the function as one environment
// variable that the stub unpacks before Datasette starts (stub/datasette_lambda/start/plugin_secrets.py).
// Pure. No error ever includes a value.
import { UserError } from "../errors.ts";
import { ENVIRONMENT_BYTES } from "./limits.ts";

/** The function's environment variable holding every value, as JSON. */
export const PLUGIN_SECRETS_VARIABLE = "DATASETTE_LAMBDA_PLUGIN_SECRETS";

/** Datasette publish's name for the variable: PLUGIN_KEY, upper case, - as _. */
export function pluginSecretVariable(plugin: string, key: string): string {
  return `${plugin}_${key}`.toUpperCase().replace(/-/g, "_");
}

/** Names the stub must never overwrite in its own environment. */
const RESERVED = /^(AWS_|LAMBDA_|_|DATASETTE_LAMBDA_|PYTHON)|^(DATASETTE_SECRET|PATH|LD_LIBRARY_PATH|HOME|TZ|LANG)$/;

export interface PluginSecrets {
  /** Merged into the metadata: references, never values. */
  metadata: Record<string, unknown>;
  /** Variable → value. */
  values: Record<string, string>;
}

export function parsePluginSecrets(triples: string[][] = []): PluginSecrets {
  const plugins: Record<string, Record<string, { $env: string }>> = {};
  const values: Record<string, string> = {};
  const from = new Map<string, string>();
  for (const [plugin = "", key = "", value = ""] of triples) {
    const given = `--plugin-secret ${plugin} ${key}`;
    const variable = pluginSecretVariable(plugin, key);
    if (!/^[A-Z][A-Z0-9_]*$/.test(variable)) {
      throw new UserError(`${given}: the plugin and key make the environment variable name "${variable}", which is not one`, {
        hint:
          "Use the plugin's name and its setting's name, letters, digits, - and _, " +
          "e.g. --plugin-secret datasette-auth-github client_secret VALUE",
      });
    }
    if (RESERVED.test(variable)) {
      throw new UserError(`${given}: the environment variable ${variable} is reserved (Lambda, Python or datasette-lambda use it)`, {
        hint: "Check the plugin and key names: e.g. --plugin-secret datasette-auth-github client_secret VALUE",
      });
    }
    const earlier = from.get(variable);
    if (earlier !== undefined) {
      throw new UserError(`${given} and ${earlier} both need the environment variable ${variable}`, {
        hint: "Give each plugin's key once.",
      });
    }
    if (value === "") throw new UserError(`${given}: the value is empty`, { hint: "Give the secret's value as the third value." });
    from.set(variable, given);
    (plugins[plugin] ??= {})[key] = { $env: variable };
    values[variable] = value;
  }
  return { metadata: triples.length > 0 ? { plugins } : {}, values };
}

/** The caller's environment variable for --plugin-secret values kept off the command line (datasette publish lambda uses it). */
export const PLUGIN_SECRETS_INPUT_VARIABLE = "DATASETTE_PUBLISH_PLUGIN_SECRETS";

/**
 * --plugin-secret triples from DATASETTE_PUBLISH_PLUGIN_SECRETS, a JSON list of
 * [plugin, key, value]; [] when unset. Errors never include a value.
 */
export function pluginSecretsFromEnv(env: NodeJS.ProcessEnv): string[][] {
  const raw = env[PLUGIN_SECRETS_INPUT_VARIABLE];
  if (raw === undefined || raw === "") return [];
  const hint =
    `Set ${PLUGIN_SECRETS_INPUT_VARIABLE} to a JSON list of [plugin, key, value], ` +
    'e.g. [["datasette-auth-github", "client_secret", "VALUE"]]';
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new UserError(`${PLUGIN_SECRETS_INPUT_VARIABLE}: not valid JSON`, { hint });
  }
  const ok = Array.isArray(parsed) && parsed.every((t) => Array.isArray(t) && t.length === 3 && t.every((v) => typeof v === "string"));
  if (!ok) throw new UserError(`${PLUGIN_SECRETS_INPUT_VARIABLE}: not a list of [plugin, key, value] strings`, { hint });
  return parsed as string[][];
}

/** The NoEcho parameter's value: stable JSON (sorted), or undefined without plugin secrets. */
export function pluginSecretsParameter(values: Record<string, string>): string | undefined {
  const names = Object.keys(values).sort();
  if (names.length === 0) return undefined;
  return JSON.stringify(Object.fromEntries(names.map((name) => [name, values[name]])));
}

/**
 * The function's other variables at their largest (templates/app.yaml): the
 * secret (64 hex digits unless --secret), the bucket name (at most 63), the
 * live check interval (at most 4 digits), the version fingerprint (64 hex digits).
 */
export function otherVariablesBytes(secretBytes: number): number {
  return (
    "DATASETTE_SECRET".length +
    secretBytes +
    "DATASETTE_LAMBDA_BUCKET".length +
    63 +
    "DATASETTE_LAMBDA_LIVE_SECONDS".length +
    4 +
    "DATASETTE_LAMBDA_VERSION".length +
    64
  );
}

/** Lambda refuses a function whose environment exceeds 4 KB: fail before deploying, naming the flag. */
export function checkEnvironmentSize(parameter: string | undefined, secretBytes = 64): void {
  if (parameter === undefined) return;
  const bytes = PLUGIN_SECRETS_VARIABLE.length + Buffer.byteLength(parameter);
  const others = otherVariablesBytes(secretBytes);
  if (bytes + others > ENVIRONMENT_BYTES) {
    throw new UserError(
      `the --plugin-secret values take ${bytes} bytes of the function's environment; ` +
        `with the site's own ${others} bytes that is over Lambda's ${ENVIRONMENT_BYTES}-byte limit`,
      { hint: "Pass fewer or shorter plugin secrets (a long --secret counts too)." },
    );
  }
}
