"""--plugin-secret values: one environment variable of JSON, unpacked into os.environ.

The CLI passes every value in one NoEcho stack parameter, which the function gets as
DATASETTE_LAMBDA_PLUGIN_SECRETS ({"PLUGIN_KEY": "value", ...}); the metadata refers to
each as {"$env": "PLUGIN_KEY"}, which Datasette resolves from os.environ when a plugin
reads its configuration. Unpacked before Datasette starts. Errors never include values.
"""

import json
import re
from collections.abc import MutableMapping

VARIABLE = "DATASETTE_LAMBDA_PLUGIN_SECRETS"
_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


class PluginSecretsError(Exception):
    """The packed variable is not what the CLI writes."""


def unpack_plugin_secrets(packed: str | None, environ: MutableMapping[str, str]) -> list[str]:
    """Sets each variable of `packed` (the value of DATASETTE_LAMBDA_PLUGIN_SECRETS) in
    environ; returns their names (sorted)."""
    if not packed:
        return []
    try:
        values = json.loads(packed)
    except ValueError:
        raise PluginSecretsError(f"{VARIABLE} is not JSON: redeploy with datasette-lambda") from None
    if not isinstance(values, dict) or not all(
        isinstance(name, str) and _NAME.match(name) and isinstance(value, str) for name, value in values.items()
    ):
        raise PluginSecretsError(f"{VARIABLE} must map variable names to strings: redeploy with datasette-lambda")
    for name, value in values.items():
        environ[name] = value
    return sorted(values)
