// Options whose value is optional (`--in-place` or `--in-place=cached`). Given
// a separate word after them, commander would take it as the value even when it
// is one of FILES (`--in-place big.db`). Before parsing, such an option followed
// by a word that is not one of its values becomes `--flag=<default>`, and the
// word stays an argument. Pure.

/** Each optional-value option: its values, and what it means alone. */
export const OPTIONAL_VALUE_OPTIONS: Record<string, { values: readonly string[]; alone: string }> = {
  "--in-place": { values: ["direct", "cached"], alone: "direct" },
};

/** argv with every optional-value option given alone spelled `--flag=<alone>` (nothing after `--` is touched). */
export function splitOptionalValues(argv: string[], options = OPTIONAL_VALUE_OPTIONS): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") return [...out, ...argv.slice(i)];
    const spec = options[arg];
    const next = argv[i + 1];
    if (spec && (next === undefined || !spec.values.includes(next))) {
      out.push(`${arg}=${spec.alone}`);
      continue;
    }
    out.push(arg);
  }
  return out;
}
