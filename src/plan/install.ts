// --install PKG: pip requirements added to the dependency layer. Pure.
import { UserError } from "../errors.ts";

/**
 * A requirement on one line with no spaces: a name, optional extras, optional
 * version specifiers (e.g. datasette-cluster-map, datasette-graphql>=2.2,
 * sqlite-utils[flake8]==3.38). Nothing that an installer would read as an
 * option (-r, --index-url) or a second line.
 */
const REQUIREMENT = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(?:\[[A-Za-z0-9._-]+(?:,[A-Za-z0-9._-]+)*\])?(?:(?:===|==|!=|<=|>=|~=|<|>)[A-Za-z0-9.*+!_-]+(?:,(?:===|==|!=|<=|>=|~=|<|>)[A-Za-z0-9.*+!_-]+)*)?$/;

export function validateInstall(packages: string[] = []): string[] {
  for (const requirement of packages) {
    if (!REQUIREMENT.test(requirement)) {
      throw new UserError(`--install "${requirement}" is not a package name with an optional version`, {
        hint: "e.g. --install datasette-cluster-map or --install 'datasette-graphql>=2.2' (one package per --install)",
      });
    }
  }
  return [...new Set(packages)];
}

/** A requirement's project name, normalised as PyPI does (PEP 503). */
export function projectName(requirement: string): string {
  return requirement.split(/[[<>=!~;@ ]/)[0]!.toLowerCase().replace(/[-_.]+/g, "-");
}

/** The --install packages an installer's error output names (PEP 503 names, so - _ . match each other). */
export function namedPackages(output: string, install: string[]): string[] {
  const normalised = output.toLowerCase().replace(/[-_.]+/g, "-");
  return install.filter((requirement) => new RegExp(`(^|[^a-z0-9-])${projectName(requirement)}([^a-z0-9-]|$)`).test(normalised));
}
