"""datasette publish lambda: Datasette's publish options, and datasette-lambda's,
translated into `datasette-lambda update-stack NAME FILES...` and run.

Secrets (--secret, --plugin-secret values) reach the CLI through its environment
(DATASETTE_PUBLISH_SECRET, DATASETTE_PUBLISH_PLUGIN_SECRETS), never its command line.
"""

import contextlib
import json
import os
import shutil
import subprocess
import tempfile

import click
from click.core import ParameterSource
from datasette import hookimpl
from datasette.publish.common import add_common_publish_arguments_and_options

# The datasette-lambda release this plugin runs through npx (kept equal to package.json's).
CLI_VERSION = "0.1.0"
BIN_VARIABLE = "DATASETTE_LAMBDA_BIN"
SECRET_VARIABLE = "DATASETTE_PUBLISH_SECRET"
PLUGIN_SECRETS_VARIABLE = "DATASETTE_PUBLISH_PLUGIN_SECRETS"
NODE_MISSING = (
    "datasette publish lambda needs Node.js 22.13 or newer (node and npx on PATH): "
    "install it from https://nodejs.org/, or set DATASETTE_LAMBDA_BIN to a datasette-lambda executable"
)

# Switches: click parameter name -> CLI flag.
SWITCHES = (
    ("cors", "--cors"),
    ("crossdb", "--crossdb"),
    ("external", "--external"),
    ("no_cdn", "--no-cdn"),
    ("snapstart", "--snapstart"),
    ("dry_run", "--dry-run"),
    ("json_output", "--json"),
    ("quiet", "--quiet"),
    ("verbose", "--verbose"),
)
# Options with one value: click parameter name -> CLI flag.
VALUES = (
    ("title", "--title"),
    ("license", "--license"),
    ("license_url", "--license_url"),
    ("source", "--source"),
    ("source_url", "--source_url"),
    ("about", "--about"),
    ("about_url", "--about_url"),
    ("plugins_dir", "--plugins-dir"),
    ("template_dir", "--template-dir"),
    ("version_note", "--version-note"),
    ("prefix", "--prefix"),
    ("domain", "--domain"),
    ("region", "--region"),
    ("profile", "--profile"),
    ("endpoint_url", "--endpoint-url"),
    ("memory", "--memory"),
    ("timeout", "--timeout"),
    ("runtime", "--runtime"),
    ("arch", "--arch"),
    ("into", "--into"),
    ("pk", "--pk"),
    ("data_as_of", "--data-as-of"),
    ("out", "--out"),
)


def translate(params, secret_given=False):
    """Click's parameters -> (the CLI's arguments after the executable, variables to add
    to its environment). Pure. No secret value is ever in the arguments."""
    if params.get("branch"):
        raise click.UsageError(
            "--branch is not supported by datasette publish lambda: the site runs the Datasette "
            "of its dependency layer (choose it with --install), with settings from --setting"
        )
    args = ["update-stack", params["name"], *params.get("files", ())]
    metadata = params.get("metadata")
    if metadata is not None:
        args += ["--metadata", metadata if isinstance(metadata, str) else metadata.name]
    for name, flag in VALUES:
        value = params.get(name)
        if value is not None:
            args += [flag, str(value)]
    extra_options = params.get("extra_options")
    if extra_options is not None:
        # datasette serve's options, as one argument (its value may start with -): the CLI
        # translates those it has and refuses the rest by name.
        args.append(f"--extra-options={extra_options}")
    for package in params.get("install", ()) or ():
        args += ["--install", package]
    for mount, directory in params.get("static", ()) or ():
        args += ["--static", f"{mount}:{directory}"]
    for setting, value in params.get("setting", ()) or ():
        args += ["--setting", setting, value]
    for name, flag in SWITCHES:
        if params.get(name):
            args.append(flag)
    env = {}
    if secret_given and params.get("secret"):
        env[SECRET_VARIABLE] = params["secret"]
    plugin_secrets = [list(triple) for triple in params.get("plugin_secret", ()) or ()]
    if plugin_secrets:
        env[PLUGIN_SECRETS_VARIABLE] = json.dumps(plugin_secrets)
    return args, env


def executable(environ=None, which=None):
    """The command that runs datasette-lambda: DATASETTE_LAMBDA_BIN, else datasette-lambda
    on PATH, else npx datasette-lambda@CLI_VERSION. Raises ClickException without Node.js."""
    environ = os.environ if environ is None else environ
    which = shutil.which if which is None else which
    given = environ.get(BIN_VARIABLE)
    if given:
        if given.endswith(".js"):
            node = which("node")
            if node is None:
                raise click.ClickException(NODE_MISSING)
            return [node, given]
        return [given]
    installed = which("datasette-lambda")
    if installed is not None:
        return [installed]
    npx = which("npx")
    if npx is None or which("node") is None:
        raise click.ClickException(NODE_MISSING)
    return [npx, "--yes", f"datasette-lambda@{CLI_VERSION}"]


def _metadata_path(metadata, stack):
    """--metadata's path; stdin (-) is copied to a temporary file first."""
    if metadata is None or metadata.name not in ("-", "<stdin>"):
        return metadata
    directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="datasette-publish-lambda-"))
    content = metadata.read()
    try:
        json.loads(content)
        path = os.path.join(directory, "metadata.json")
    except ValueError:
        path = os.path.join(directory, "metadata.yml")
    with open(path, "w") as out:
        out.write(content)
    return path


@hookimpl
def publish_subcommand(publish) -> None:
    @publish.command(name="lambda")
    @add_common_publish_arguments_and_options
    @click.option(
        "-n", "--name", required=True, help="Site name: also the CloudFormation stack names NAME and NAME-lambda"
    )
    @click.option("--cors", is_flag=True, help="Send Access-Control-Allow-Origin: *")
    @click.option("--prefix", help="Serve the site under /PREFIX/ instead of /")
    @click.option("--domain", help="Custom domain for the site, e.g. data.example.com")
    @click.option("--no-cdn", is_flag=True, help="Serve from the Lambda Function URL only, without CloudFront")
    @click.option("--external", is_flag=True, help="Keep databases in S3 even when they fit in the package")
    @click.option("--memory", type=int, help="Lambda memory in MB, 128-10240 (default 1024)")
    @click.option("--timeout", type=int, help="Lambda timeout in seconds, 1-900 (default 30)")
    @click.option("--runtime", help="Lambda Python runtime (default python3.13)")
    @click.option("--arch", type=click.Choice(["arm64", "x86_64"]), help="Lambda architecture (default arm64)")
    @click.option("--snapstart", is_flag=True, help="Lambda SnapStart (python3.12+)")
    @click.option("--into", help="Put the tables of every data file (CSV, JSON...) into this one database")
    @click.option("--pk", help="Primary key column of the tables made from data files")
    @click.option("--data-as-of", help="When the data was last updated, ISO 8601")
    @click.option("--region", help="AWS region (default: AWS_REGION or your profile's region)")
    @click.option("--profile", help="AWS profile from ~/.aws/config (default: AWS_PROFILE)")
    @click.option("--endpoint-url", help="Send AWS calls to this endpoint instead (e.g. a local moto server)")
    @click.option("--dry-run", is_flag=True, help="Build everything and write it to --out; call no AWS API")
    @click.option("--out", help="Where --dry-run writes templates, parameters and artifacts")
    @click.option("--json", "json_output", is_flag=True, help="Print one machine-readable JSON result on stdout")
    @click.option("-q", "--quiet", is_flag=True, help="Print only the result and warnings")
    @click.option("-v", "--verbose", is_flag=True, help="Print more detail, and stack traces on errors")
    @click.pass_context
    def lambda_(ctx, **params) -> None:
        """Publish databases as a Datasette site on AWS Lambda (runs datasette-lambda update-stack)"""

        secret_given = ctx.get_parameter_source("secret") == ParameterSource.COMMANDLINE
        with contextlib.ExitStack() as stack:
            params["metadata"] = _metadata_path(params.get("metadata"), stack)
            args, extra_env = translate(params, secret_given=secret_given)
            existing = os.environ.get(PLUGIN_SECRETS_VARIABLE)
            if existing and PLUGIN_SECRETS_VARIABLE in extra_env:
                try:
                    earlier = json.loads(existing)
                except ValueError:
                    raise click.ClickException(f"{PLUGIN_SECRETS_VARIABLE}: not valid JSON") from None
                if not isinstance(earlier, list):
                    raise click.ClickException(f"{PLUGIN_SECRETS_VARIABLE}: not a list of [plugin, key, value]")
                extra_env[PLUGIN_SECRETS_VARIABLE] = json.dumps(
                    earlier + json.loads(extra_env[PLUGIN_SECRETS_VARIABLE])
                )
            command = executable() + args
            try:
                code = subprocess.call(command, env={**os.environ, **extra_env})
            except OSError as error:
                raise click.ClickException(f"could not run {command[0]}: {error.strerror}") from None
        ctx.exit(code)

    # --setting and --crossdb: from Datasette's common options where it has them, else ours.
    names = {param.name for param in lambda_.params}
    if "setting" not in names:
        lambda_.params.append(
            click.Option(
                ["--setting"],
                type=(str, str),
                multiple=True,
                help="Datasette setting, repeatable, e.g. --setting sql_time_limit_ms 3500",
            )
        )
    if "crossdb" not in names:
        lambda_.params.append(
            click.Option(["--crossdb"], is_flag=True, help="Allow SQL queries across databases, at /_memory")
        )
