"""The command that runs datasette-lambda: DATASETTE_LAMBDA_BIN if set, else a
datasette-lambda on PATH, else npx datasette-lambda@VERSION, VERSION being this
plugin's own (the plugin and the CLI are released together, with one version).

Whatever stops the CLI from starting (no Node.js, a Node.js too old, a package
npx cannot fetch) becomes one line saying what to install or which variable to
set. npx fetches the package in a first run whose output is captured, so npm's
own error output never reaches the user; once the CLI starts, its output is
its own.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    # Runs a command with its output captured (subprocess.run, or a test's fake).
    Run = Callable[[list[str]], subprocess.CompletedProcess[str]]
    Which = Callable[[str], str | None]

BIN_VARIABLE = "DATASETTE_LAMBDA_BIN"
PACKAGE = "datasette-lambda"
DISTRIBUTION = "datasette-publish-lambda"
MINIMUM_NODE = (22, 13)
NODE_MISSING = (
    "datasette publish lambda needs Node.js 22.13 or newer (node and npx on PATH): "
    f"install it from https://nodejs.org/, or set {BIN_VARIABLE} to a datasette-lambda executable"
)


def cli_version() -> str:
    """This plugin's installed version, which is also the datasette-lambda release it runs."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError as error:
        raise click.ClickException(
            f"{DISTRIBUTION} is not installed, so the datasette-lambda release to fetch is unknown: "
            f"pip install {DISTRIBUTION}, or set {BIN_VARIABLE} to a datasette-lambda executable"
        ) from error


def parse_node_version(text: str | None) -> tuple[int, int] | None:
    """`node --version`'s output ("v22.13.0") -> (22, 13); None for anything else."""
    match = re.fullmatch(r"\s*v(\d+)\.(\d+)\.\d+\S*\s*", text or "")
    return (int(match[1]), int(match[2])) if match else None


def npm_error_code(stderr: str | None) -> str | None:
    """npm's error code (E404, ECONNREFUSED, ENOTFOUND...) from its error output, or None."""
    match = re.search(r"^npm (?:error|ERR!) code (\S+)", stderr or "", re.MULTILINE)
    return match[1] if match else None


def fetch_failure(version: str, stderr: str | None) -> str:
    """One line for a package npx could not fetch: what failed, then what to do."""
    code = npm_error_code(stderr)
    reason = f" (npm: {code})" if code else ""
    return (
        f"could not fetch {PACKAGE}@{version} from the npm registry{reason}: "
        f"install it with `npm install -g {PACKAGE}@{version}`, "
        f"or set {BIN_VARIABLE} to a checkout's bin/datasette-lambda.js"
    )


def run_captured(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """Runs args with no input and its output captured, never shown."""
    try:
        return subprocess.run(args, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    except OSError as error:
        return subprocess.CompletedProcess(args, 127, "", error.strerror or str(error))


def require_node(which: Which, run: Run) -> str:
    """The path of a node on PATH that is 22.13 or newer; else ClickException."""
    node = which("node")
    if node is None:
        raise click.ClickException(NODE_MISSING)
    result = run([node, "--version"])
    version = parse_node_version(result.stdout) if result.returncode == 0 else None
    if version is None or version < MINIMUM_NODE:
        found = f"is {result.stdout.strip()}" if version else "is not a working Node.js"
        raise click.ClickException(
            f"datasette publish lambda needs Node.js 22.13 or newer, and {node} {found}: "
            "install a newer one from https://nodejs.org/"
        )
    return node


def cli_command(
    environ: Mapping[str, str] | None = None, which: Which | None = None, run: Run | None = None
) -> list[str]:
    """The command (a list) that runs datasette-lambda, its package fetched when it
    comes through npx. Raises ClickException, one line, when the CLI cannot start.
    which and run (a captured subprocess.run) are injected by tests."""
    environ = os.environ if environ is None else environ
    which = shutil.which if which is None else which
    run = run_captured if run is None else run
    given = environ.get(BIN_VARIABLE)
    if given:
        return [require_node(which, run), given] if given.endswith(".js") else [given]
    installed = which(PACKAGE)
    if installed is not None:
        return [installed]
    npx = which("npx")
    if npx is None:
        raise click.ClickException(NODE_MISSING)
    # npm fails on an old Node.js in its own words: say it in ours first.
    require_node(which, run)
    version = cli_version()
    command = [npx, "--yes", "--package", f"{PACKAGE}@{version}", "--", PACKAGE]
    fetched = run([*command, "--version"])
    if fetched.returncode != 0:
        raise click.ClickException(fetch_failure(version, fetched.stderr))
    return command
