"""datasette publish lambda: Datasette's publish options, and datasette-lambda's,
translated into `datasette-lambda update-stack NAME FILES...` (cli_arguments.py) and
run through the command find_cli.py finds, with its exit code.

Secrets (--secret, --plugin-secret values) reach the CLI through its environment
(DATASETTE_PUBLISH_SECRET, DATASETTE_PUBLISH_PLUGIN_SECRETS), never its command line.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
from typing import IO, Any

import click
from click.core import ParameterSource
from datasette import hookimpl
from datasette.publish.common import add_common_publish_arguments_and_options

from datasette_publish_lambda.cli_arguments import PLUGIN_SECRETS_VARIABLE, translate
from datasette_publish_lambda.find_cli import cli_command


def _metadata_path(metadata: IO[Any] | None, stack: contextlib.ExitStack) -> IO[Any] | str | None:
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
def publish_subcommand(publish: click.Group) -> None:
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
    # Not cloudrun's default of 1: a Lambda instance serves one request at a time, a Cloud
    # Run instance up to 80. No default: no cap unless asked for.
    @click.option(
        "--max-instances",
        type=click.IntRange(min=0),
        help="At most N instances of the site's function at once (Lambda reserved concurrency); 0: no cap (default)",
    )
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
    def lambda_(ctx: click.Context, **params: Any) -> None:
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
            command = cli_command() + args
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
