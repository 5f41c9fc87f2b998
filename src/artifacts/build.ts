// The whole build: checked options → inputs read → layer → data → plan →
// package → templates and parameters. Shared by --dry-run and a real deploy;
// it calls no AWS API.
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { UserError } from "../errors.ts";
import { databaseName, inspectDatabase, inspectDatabases } from "../inputs/databases.ts";
import { splitInputs, type SplitInputs } from "../inputs/input-files.ts";
import { checkDistinctNames, nameError, reservedProblem } from "../database-names.ts";
import { readMetadata } from "../inputs/metadata.ts";
import { readInstallWheels } from "../inputs/install-wheels.ts";
import { dataAsOfFromSources } from "../plan/data-as-of.ts";
import { appStackParameters } from "../plan/app-parameters.ts";
import { mergeMetadata } from "../plan/metadata-flags.ts";
import { TEMPLATE_BODY_BYTES } from "../plan/limits.ts";
import { checkPackageLimits } from "../plan/placement.ts";
import { createPlan, planWarnings, type CheckedOptions } from "../plan/plan.ts";
import { prereqStackParameters } from "../plan/prereq-parameters.ts";
import type { Artifact, BuildResult, DatabaseInput } from "../plan/types.ts";
import { readTemplates } from "../templates.ts";
import type { Output } from "../ui/output.ts";
import { conversionGroups, convertDataFiles } from "./convert.ts";
import { buildLayer, cacheDirectory } from "./layer.ts";
import { readStubRequirements, stubBytes } from "./package.ts";
import { cachedPackage } from "./package-cache.ts";
import { plural } from "../util/plural.ts";

export interface BuildDeps {
  out: Output;
  env?: NodeJS.ProcessEnv;
  /** Where data files are converted to; the caller removes it after the deploy or dry run. */
  workDir: string;
}

export function checkTemplateSize(name: string, body: string): void {
  const bytes = Buffer.byteLength(body);
  if (bytes > TEMPLATE_BODY_BYTES) {
    throw new UserError(`templates/${name}.yaml is ${bytes} bytes, over CloudFormation's ${TEMPLATE_BODY_BYTES}-byte TemplateBody limit`, {
      hint: "Shorten the template (this is a bug in datasette-lambda; please report it).",
    });
  }
}

/** Flags for converting that have nothing to convert are a mistake worth stopping for (pure). */
export function checkConvertFlags(checked: { into: string | null; pk: string | null }, dataFiles: string[]): void {
  const flag = checked.into !== null ? `--into ${checked.into}` : checked.pk !== null ? `--pk ${checked.pk}` : null;
  if (flag && dataFiles.length === 0) {
    throw new UserError(`${flag} applies to data files (CSV, JSON, ...), and none was given`, {
      hint: "Databases are served as they are: drop the flag, or pass the data files it is meant for.",
    });
  }
}

/** Two databases with one name (ignoring case): Datasette would serve only one of them (pure). */
export function checkNamesDistinct(databases: DatabaseInput[]): void {
  checkDistinctNames(
    databases.map((db) => ({ name: db.name, from: (db.sources ?? [db.path]).join(", ") })),
    "Rename one of the files (each database is named after its file), or use --into NAME for the data files.",
  );
}

/**
 * The name of every database FILES make, checked before anything is read or
 * built: data files follow the whole name rule, SQLite files (named by
 * Datasette after the file as it is) may not take a name Datasette keeps (pure).
 */
export function checkFileNames(inputs: SplitInputs, into: string | undefined): void {
  const databases = inputs.databases.map((file) => {
    const name = databaseName(file);
    const problem = reservedProblem(name);
    if (problem !== undefined) throw new UserError(nameError({ file: basename(file) }, problem));
    return { name, from: file };
  });
  const converted = conversionGroups(inputs.dataFiles, into).map(({ name, files }) => ({ name, from: files.join(", ") }));
  checkDistinctNames(
    [...databases, ...converted],
    "Rename one of the files (each database is named after its file), or use --into NAME for the data files.",
  );
}

/** The databases among FILES, checked and inspected: cheap, so done before the layer, and their errors come first. */
async function checkGivenDatabases(databaseFiles: string[], out: Output): Promise<DatabaseInput[]> {
  if (databaseFiles.length === 0) return [];
  return out.task(`Checking ${plural(databaseFiles.length, "database")}`, () => inspectDatabases(databaseFiles));
}

/** The data files among FILES, converted (with --into, into one database) and inspected. */
async function convertGivenDataFiles(dataFiles: string[], checked: CheckedOptions, deps: BuildDeps): Promise<DatabaseInput[]> {
  if (dataFiles.length === 0) return [];
  const { out } = deps;
  const converted = await out.task(`Converting ${plural(dataFiles.length, "data file")}`, (update) =>
    convertDataFiles(dataFiles, {
      into: checked.into ?? undefined,
      pk: checked.pk ?? undefined,
      workDir: deps.workDir,
      env: deps.env,
      log: update,
    }),
  );
  return out.task(`Checking ${plural(converted.length, "converted database")}`, () =>
    Promise.all(
      converted.map(async (db): Promise<DatabaseInput> => {
        const mtimes = await Promise.all(db.sources.map(async (source) => (await stat(source)).mtimeMs));
        return { ...(await inspectDatabase(db.path)), name: db.name, sources: db.sources, dataAsOf: dataAsOfFromSources(mtimes) };
      }),
    ),
  );
}

/** Every database in the order of FILES (a converted one where its first data file was), their names distinct. */
function inFileOrder(files: string[], databases: DatabaseInput[]): DatabaseInput[] {
  const byFile = new Map<string, DatabaseInput>();
  for (const db of databases) for (const source of db.sources ?? [db.path]) byFile.set(source, db);
  const ordered = [...new Set(files.map((file) => byFile.get(file)!))];
  checkNamesDistinct(ordered);
  return ordered;
}

/**
 * Checked options (src/plan/plan.ts checkOptions; asset directories already
 * checked to exist) and FILES → everything a deploy sends. Cheap checks first
 * (--install wheels, FILES sorted, metadata, the given databases), then the
 * layer (an --install that cannot be installed fails before any data file is
 * converted), then the data files, the plan and the package.
 */
export async function buildSite(checked: CheckedOptions, files: string[], deps: BuildDeps): Promise<BuildResult> {
  const { out } = deps;
  const env = deps.env ?? process.env;
  const install = await readInstallWheels(checked.install);
  const inputs = await splitInputs(files);
  checkConvertFlags(checked, inputs.dataFiles);
  checkFileNames(inputs, checked.into ?? undefined);
  const metadata = mergeMetadata(await readMetadata(checked.metadataFile ?? undefined), checked.extraMetadata);
  const given = await checkGivenDatabases(inputs.databases, out);
  const requirements = [...(await readStubRequirements()), ...install.requirements];

  const layer = await out.task(`Building the dependency layer (Python ${checked.pythonVersion}, ${checked.arch})`, (update) =>
    buildLayer(
      { requirements, pythonVersion: checked.pythonVersion, arch: checked.arch, install: checked.install, wheels: install.wheels },
      { env, log: update, warn: out.warn },
    ),
  );
  out.debug(
    `layer ${layer.sha256.slice(0, 12)}: ${layer.bytes} bytes zipped, ${layer.unzippedBytes} unzipped${layer.fromCache ? " (cached)" : ""}`,
  );

  const databases = inFileOrder(files, [...given, ...(await convertGivenDataFiles(inputs.dataFiles, checked, deps))]);

  const plan = createPlan({
    options: checked,
    databases,
    metadata,
    requirements,
    layerBytes: layer.unzippedBytes,
    layerPackages: layer.packages,
    stubBytes: await stubBytes(),
  });
  for (const warning of planWarnings(plan)) out.warn(warning);
  for (const db of plan.databases) out.debug(`database ${db.name}: ${db.location}${db.key ? ` (${db.key})` : ""}`);
  if (plan.settings.suggest_facets === false && !("suggest_facets" in checked.settings)) {
    out.info("Facet suggestions are off: a table has over 100,000 rows (turn on with --setting suggest_facets on).");
  }

  const pkg = await out.task("Packaging the site", () =>
    cachedPackage({ plan, python: layer.python, compiledWith: layer.compiledWith, cacheDir: cacheDirectory(env) }),
  );
  out.debug(`package ${pkg.sha256.slice(0, 12)}: ${pkg.bytes} bytes zipped${pkg.fromCache ? " (cached)" : ""}`);
  checkPackageLimits({
    packageUnzippedBytes: pkg.unzippedBytes,
    layerUnzippedBytes: layer.unzippedBytes,
    layer: { packages: layer.packages, install: checked.install, arch: checked.arch },
  });

  const packageKey = `package/${pkg.sha256}.zip`;
  const layerKey = `layer/${layer.sha256}.zip`;
  const artifacts: Artifact[] = [
    { key: packageKey, path: pkg.path, bytes: pkg.bytes, sha256: pkg.sha256 },
    { key: layerKey, path: layer.path, bytes: layer.bytes, sha256: layer.sha256 },
    // Every database copy: S3 ones are served from there, inline ones are downloads.
    ...plan.databases.flatMap((db) => (db.key ? [{ key: db.key, path: db.path, bytes: db.bytes, sha256: db.sha256 }] : [])),
  ];
  const appParameters = appStackParameters(plan, { packageKey, layerKey });
  const templates = await readTemplates();
  for (const [templateName, body] of Object.entries(templates)) checkTemplateSize(templateName, body);
  return {
    plan,
    artifacts,
    prereqTemplate: templates.prereq,
    prereqParameters: prereqStackParameters(plan),
    appTemplate: templates.app,
    appParameters,
  };
}
