// --install PKG: pip requirements added to the dependency layer. Pure.
//
// The layer is installed binary-only (--only-binary :all:) for Lambda's
// platform, not the host's, so only requirements that resolve to wheels make
// sense: a name (extras, versions, a simple environment marker), a direct
// reference to a wheel's https URL, or a local wheel file. Each becomes one
// line of a requirements file, so nothing an installer reads as an option
// (-r, --index-url), a comment or a second line gets through.
import { UserError } from "../errors.ts";

const NAME = "[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?";
const EXTRAS = "(?:\\[[A-Za-z0-9._-]+(?:,[A-Za-z0-9._-]+)*\\])?";
const SPECIFIER = "(?:===|==|!=|<=|>=|~=|<|>)[A-Za-z0-9.*+!_-]+";
const SPECIFIERS = `(?:${SPECIFIER}(?:,${SPECIFIER})*)?`;
/** PEP 508 markers, simple ones: python_version >= "3.12" joined by and/or, no parentheses. */
const MARKER_VARIABLE =
  "(?:python_version|python_full_version|os_name|sys_platform|platform_release|platform_system|platform_version|" +
  "platform_machine|platform_python_implementation|implementation_name|implementation_version|extra)";
const MARKER_CLAUSE = `${MARKER_VARIABLE} *(?:===|==|!=|<=|>=|~=|<|>|not in|in) *(?:"[A-Za-z0-9._*+!-]*"|'[A-Za-z0-9._*+!-]*')`;
const MARKER = `${MARKER_CLAUSE}(?: +(?:and|or) +${MARKER_CLAUSE})*`;
/** An https URL of a wheel, optionally with a #sha256=... fragment; no spaces, ; or ${. */
const WHEEL_URL = "https://[A-Za-z0-9._~:/?&=%+@!()*,-]+\\.whl(?:#[A-Za-z0-9=_-]+)?";

/** datasette-cluster-map, datasette-graphql>=2.2, sqlite-utils[flake8]==3.38, six; python_version >= "3.12" */
const NAMED = new RegExp(`^${NAME}${EXTRAS}${SPECIFIERS}(?: *; *${MARKER})?$`);
/** datasette-foo @ https://example.com/datasette_foo-0.1-py3-none-any.whl (a space before any ;, as PEP 508 wants). */
const DIRECT = new RegExp(`^${NAME}${EXTRAS} *@ *${WHEEL_URL}(?: +; *${MARKER})?$`);
/** A wheel's file name (PEP 427): distribution-version(-build)?-python-abi-platform.whl. */
const WHEEL_FILE = /^([A-Za-z0-9_.]+)-[A-Za-z0-9_.!+]+(?:-[0-9][A-Za-z0-9_.]*)?-[A-Za-z0-9_.]+-[A-Za-z0-9_.]+-[A-Za-z0-9_.]+\.whl$/i;
const SOURCE_ARCHIVE = /\.(?:tar\.gz|tgz|tar\.bz2|tbz|tar\.xz|txz|tar|zip)$/i;

const EXAMPLES =
  "e.g. --install datasette-cluster-map, --install 'datasette-graphql>=2.2', --install ./dist/datasette_foo-0.1-py3-none-any.whl " +
  "or --install 'datasette-foo @ https://example.com/datasette_foo-0.1-py3-none-any.whl' (one per --install)";

/** The file name at the end of a path (either separator) or URL path. */
function lastSegment(text: string): string {
  return (
    text
      .replace(/[?#].*$/, "")
      .split(/[\\/]/)
      .pop() ?? text
  );
}

/** Whether it reads as a filesystem path rather than a name. */
function looksLikePath(requirement: string): boolean {
  return /[\\/]/.test(requirement) || requirement.startsWith(".") || requirement.startsWith("~");
}

/** The path of a local wheel file, if the requirement (a valid one) is one: as given, relative to the working directory. */
export function localWheel(requirement: string): string | null {
  return /\.whl$/i.test(requirement) && !requirement.includes("@") && !requirement.includes("://") ? requirement : null;
}

/**
 * Whether a path can be a line of a requirements file as it is: pip and uv
 * read " -x" as an option, " #" as a comment, ${NAME} as a variable.
 */
export function safeRequirementPath(path: string): boolean {
  return !/\s[-#]|\$\{|[\r\n\0]/.test(path) && !path.startsWith("-");
}

function refuse(requirement: string, problem: string, hint: string): never {
  throw new UserError(`--install "${requirement}" ${problem}`, { hint });
}

/** One requirement checked (pure); throws a UserError naming --install. */
function checkRequirement(requirement: string): void {
  const printable = requirement.replace(/[\r\n]+/g, "\\n");
  if (requirement.trim() === "" || /[\r\n\0]/.test(requirement) || requirement.startsWith("-")) {
    refuse(printable, "is not a package name, a wheel file or NAME @ URL of a wheel", EXAMPLES);
  }
  if (/\.whl$/i.test(requirement) && !requirement.includes("@")) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(requirement)) {
      refuse(requirement, "is a URL without a package name", `Name the package: --install 'NAME @ ${requirement}'`);
    }
    if (!safeRequirementPath(requirement))
      refuse(requirement, "is a path an installer would misread (a space before - or #, or ${)", "Move or rename the wheel.");
    if (!WHEEL_FILE.test(lastSegment(requirement))) {
      refuse(
        requirement,
        "is not a wheel's file name (NAME-VERSION-PYTHON-ABI-PLATFORM.whl)",
        "Pass the wheel as pip wheel or python -m build named it, e.g. --install ./dist/datasette_foo-0.1-py3-none-any.whl",
      );
    }
    return;
  }
  if (DIRECT.test(requirement)) return;
  if (requirement.includes("@")) {
    refuse(
      requirement,
      "is not NAME @ an https URL of a wheel (.whl): the layer takes only wheels, installed for Lambda's platform",
      "Point at a built wheel (https://.../NAME-VERSION-py3-none-any.whl), " +
        "or build one: pip wheel --no-deps SOURCE -w dist, then --install dist/NAME-VERSION-py3-none-any.whl",
    );
  }
  // pip reads anything ending in an archive's extension as a file, as it does a .whl.
  if (!SOURCE_ARCHIVE.test(requirement) && NAMED.test(requirement)) return;
  if (looksLikePath(requirement) || SOURCE_ARCHIVE.test(requirement)) {
    refuse(
      requirement,
      "is a source directory or archive: the layer takes only wheels, installed for Lambda's platform",
      `Build a wheel and pass that: pip wheel --no-deps ${requirement} -w dist, then --install dist/NAME-VERSION-py3-none-any.whl`,
    );
  }
  refuse(requirement, "is not a package name, a wheel file or NAME @ URL of a wheel", EXAMPLES);
}

export function validateInstall(packages: string[] = []): string[] {
  for (const requirement of packages) checkRequirement(requirement);
  return [...new Set(packages)];
}

/** A requirement's project name, normalised as PyPI does (PEP 503); a wheel's from its file name. */
export function projectName(requirement: string): string {
  const wheel = localWheel(requirement) === null ? null : WHEEL_FILE.exec(lastSegment(requirement));
  const name = wheel ? wheel[1]! : requirement.split(/[[<>=!~;@ ]/)[0]!;
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** The wheel file a requirement names (local or URL), or null. */
function wheelFileName(requirement: string): string | null {
  const target = requirement.includes("@")
    ? requirement
        .slice(requirement.indexOf("@") + 1)
        .split(/ +;/)[0]!
        .trim()
    : requirement;
  const file = lastSegment(target);
  return WHEEL_FILE.test(file) ? file.toLowerCase() : null;
}

/** The --install packages an installer's error output names (PEP 503 names, so - _ . match each other; wheels by file name). */
export function namedPackages(output: string, install: string[]): string[] {
  const lower = output.toLowerCase();
  const normalised = lower.replace(/[-_.]+/g, "-");
  return install.filter((requirement) => {
    const file = wheelFileName(requirement);
    return (
      (file !== null && lower.includes(file)) || new RegExp(`(^|[^a-z0-9-])${projectName(requirement)}([^a-z0-9-]|$)`).test(normalised)
    );
  });
}
