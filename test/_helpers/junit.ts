// pytest's JUnit XML (--junitxml) read into one result per test. pytest escapes all text, so the elements it
// writes can be matched without a full XML parser.

export interface PythonTestResult {
  /** pytest's node id, e.g. stub/tests/test_handler.py::PlainSite::test_index. */
  id: string;
  outcome: "passed" | "failed" | "skipped";
  /** Failures and errors (setup, teardown, collection, failed subtests), each with its traceback. */
  failures: string[];
  /** Why it was skipped, as pytest says it. */
  skipReason?: string;
  seconds: number;
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity.startsWith("#x") || entity.startsWith("#X")) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return ENTITIES[entity] ?? whole;
  });
}

function attributes(text: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [, name, value] of text.matchAll(/([\w:-]+)="([^"]*)"/g)) found[name!] = decodeEntities(value!);
  return found;
}

/**
 * The module and what follows it, from a node id's dotted path ("stub.tests.test_x.Class"):
 * each dot was a "/" or a dot of a name (".cache"), so both are tried where a
 * directory allows it, and the shortest prefix that names a .py file (exists,
 * relative to pytest's rootdir) is the module.
 */
function splitModule(parts: string[], exists: (path: string) => boolean, prefix = parts[0]!, i = 1): [string, string[]] | undefined {
  if (exists(`${prefix}.py`)) return [`${prefix}.py`, parts.slice(i)];
  if (i >= parts.length) return undefined;
  return (
    (exists(prefix) ? splitModule(parts, exists, `${prefix}/${parts[i]}`, i + 1) : undefined) ??
    splitModule(parts, exists, `${prefix}.${parts[i]}`, i + 1)
  );
}

/**
 * pytest's node id (path/to/test_x.py::Class::test) from the JUnit classname,
 * the node id's path dotted. (The testcase's file attribute will not do: it names
 * where the test function is defined, which for an inherited test is another module.)
 */
function nodeId(classname: string, name: string, exists: (path: string) => boolean): string {
  // A module that failed to import has no class; its dotted path is the name.
  const [dotted, test] = classname === "" ? [name, undefined] : [classname, name];
  const found = splitModule(dotted.split("."), exists);
  return found ? [found[0], ...found[1], ...(test === undefined ? [] : [test])].join("::") : [classname, name].filter(Boolean).join("::");
}

/** One result per test id, in the order pytest ran them (a test reported twice, e.g. failing its teardown too, is merged). */
export function parseJunit(xml: string, exists: (path: string) => boolean): PythonTestResult[] {
  const results = new Map<string, PythonTestResult>();
  for (const [, attrText, body] of xml.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const attrs = attributes(attrText!);
    const id = nodeId(attrs.classname ?? "", attrs.name ?? "", exists);
    const result = results.get(id) ?? { id, outcome: "passed", failures: [], seconds: 0 };
    result.seconds += Number(attrs.time ?? 0);
    for (const [, tag, childAttrs, text] of (body ?? "").matchAll(/<(failure|error|skipped)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/g)) {
      const { message = "" } = attributes(childAttrs!);
      if (tag === "skipped") {
        if (result.outcome === "passed") result.outcome = "skipped";
        result.skipReason = message;
      } else {
        result.outcome = "failed";
        result.failures.push(`${tag === "error" ? `error: ${message}\n` : ""}${decodeEntities(text ?? message)}`);
      }
    }
    results.set(id, result);
  }
  return [...results.values()];
}
