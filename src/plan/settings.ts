// --config key:value and --setting NAME VALUE → typed Datasette settings. Pure.
// Both are checked against Datasette's settings the same way; --setting wins
// when both set one name (it is the newer spelling, as in Datasette).
import { UserError } from "../errors.ts";
import { DATASETTE_SETTINGS } from "./datasette-settings.ts";

export type SettingValue = string | number | boolean;

/** How a flag spells one setting, for errors: `--config key:value` or `--setting key value`. */
function spelling(flag: "--config" | "--setting", key: string, value: string): string {
  return flag === "--config" ? `--config ${key}:${value}` : `--setting ${key} ${value}`;
}

/** One setting's value, typed as Datasette types it. */
export function parseSetting(flag: "--config" | "--setting", key: string, raw: string): SettingValue {
  const setting = DATASETTE_SETTINGS[key];
  if (!setting) {
    throw new UserError(`${spelling(flag, key, raw)}: "${key}" is not a Datasette setting`, {
      hint: `Known settings: ${Object.keys(DATASETTE_SETTINGS).join(", ")}`,
    });
  }
  if (key === "base_url") {
    throw new UserError(`${flag} base_url is set by --prefix`, { hint: "Use --prefix PATH to serve the site under /PATH/." });
  }
  if (setting.type === "integer") {
    if (!/^\d+$/.test(raw))
      throw new UserError(`${flag} ${key} takes a whole number`, { hint: `e.g. ${spelling(flag, key, String(setting.default))}` });
    return Number(raw);
  }
  if (setting.type === "boolean") {
    const value = raw.toLowerCase();
    if (!["on", "off", "true", "false", "1", "0"].includes(value)) {
      throw new UserError(`${flag} ${key} takes on or off`, { hint: `e.g. ${spelling(flag, key, setting.default ? "off" : "on")}` });
    }
    return ["on", "true", "1"].includes(value);
  }
  return raw;
}

/** Parses repeated --config key:value pairs into typed Datasette settings. */
export function parseConfigPairs(pairs: string[] = []): Record<string, SettingValue> {
  const settings: Record<string, SettingValue> = {};
  for (const pair of pairs) {
    const colon = pair.indexOf(":");
    if (colon <= 0) {
      throw new UserError(`--config "${pair}" is not a key:value pair`, { hint: "e.g. --config sql_time_limit_ms:3500" });
    }
    const key = pair.slice(0, colon).trim();
    settings[key] = parseSetting("--config", key, pair.slice(colon + 1).trim());
  }
  return settings;
}

/** Repeated --setting NAME VALUE, then --config's: one typed settings object. */
export function parseSettings(config: string[] = [], setting: Array<[string, string]> = []): Record<string, SettingValue> {
  const settings = parseConfigPairs(config);
  for (const [key, raw] of setting) settings[key.trim()] = parseSetting("--setting", key.trim(), raw.trim());
  return settings;
}
