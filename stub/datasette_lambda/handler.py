"""AWS Lambda entry point (Handler "datasette_lambda.handler.handler"): Datasette behind a
Function URL.

Wires the configuration from the environment into one Instance (instance.py) per
process, as Lambda keeps one per instance, and delegates every event to it. In Lambda
(LAMBDA_TASK_ROOT set) the site starts at import, in the init phase.

Responses are buffered by Mangum and binary bodies base64-encoded; Lambda caps the
response at 6 MB (see serve/response_limit.py), so database downloads go to S3
(serve/database_downloads.py).
"""

import time

_IMPORT_STARTED = time.monotonic()

from datasette_lambda.start import import_diet  # noqa: E402

import_diet.install()  # before anything imports Datasette: see start/import_diet.py

import os  # noqa: E402  (after the diet, as is everything below)
from typing import Any  # noqa: E402

from datasette_lambda.config import Config  # noqa: E402
from datasette_lambda.instance import Instance  # noqa: E402
from datasette_lambda.start import snapstart  # noqa: E402

instance = Instance(Config.from_environ(os.environ), started=_IMPORT_STARTED)
snapstart.install(instance.prepare_snapshot, instance.refresh_after_restore)
# Lambda always sets LAMBDA_TASK_ROOT; code that imports this module to drive it (tests,
# tools) makes and starts instances itself.
if instance.config.in_lambda:
    instance.start()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return instance.handle(event, context)
