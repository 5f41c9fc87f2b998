"""datasette publish lambda's parameters, as click gives them, translated into the
arguments of `datasette-lambda update-stack NAME FILES...` and the variables to add
to its environment. Pure.

Secrets (--secret, --plugin-secret values) go into the environment
(DATASETTE_PUBLISH_SECRET, DATASETTE_PUBLISH_PLUGIN_SECRETS), never the arguments.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import click

SECRET_VARIABLE = "DATASETTE_PUBLISH_SECRET"
PLUGIN_SECRETS_VARIABLE = "DATASETTE_PUBLISH_PLUGIN_SECRETS"

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
    ("max_instances", "--max-instances"),
    ("runtime", "--runtime"),
    ("arch", "--arch"),
    ("into", "--into"),
    ("pk", "--pk"),
    ("data_as_of", "--data-as-of"),
    ("out", "--out"),
)


def translate(params: Mapping[str, Any], secret_given: bool = False) -> tuple[list[str], dict[str, str]]:
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
