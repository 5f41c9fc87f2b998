"""The function's configuration, read from the environment in one place.

The stack sets these variables (templates/app.yaml); Lambda sets LAMBDA_TASK_ROOT. Tests
build a Config from the environment they want instead of patching module state.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

log = logging.getLogger("datasette_lambda")

# How often live data is checked when DATASETTE_LAMBDA_LIVE_SECONDS is unset or unreadable.
DEFAULT_LIVE_SECONDS = 15.0
# The package's root: the directory that holds datasette_lambda/ (the task root in Lambda).
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass(frozen=True)
class Config:
    # Where the package was unzipped (manifest.json, databases/).
    task_root: str
    # Lambda runs this process (it always sets LAMBDA_TASK_ROOT): start the site at import.
    in_lambda: bool = False
    # The site's bucket: S3 databases, downloads, live data. None: none of those.
    bucket: str | None = None
    # Seconds between live-data checks; None: live data off.
    live_seconds: float | None = DEFAULT_LIVE_SECONDS
    # DATASETTE_SECRET; None: a random one (start/site_secret.py).
    datasette_secret: str | None = None
    # DATASETTE_LAMBDA_PLUGIN_SECRETS as set: JSON, unpacked by start/plugin_secrets.py.
    plugin_secrets: str | None = None
    # DATASETTE_LAMBDA_MOUNT (--in-place): where the bucket is mounted through S3 Files; S3
    # databases are read there, never downloaded (databases/mount_files.py). None: downloaded.
    mount: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Config:
        """The configuration the variables in environ describe."""
        return cls(
            # Never assume /var/task: Lambda says where the package is.
            task_root=environ.get("LAMBDA_TASK_ROOT") or PACKAGE_PARENT,
            in_lambda=bool(environ.get("LAMBDA_TASK_ROOT")),
            bucket=environ.get("DATASETTE_LAMBDA_BUCKET") or None,
            live_seconds=live_seconds(environ.get("DATASETTE_LAMBDA_LIVE_SECONDS")),
            datasette_secret=environ.get("DATASETTE_SECRET") or None,
            plugin_secrets=environ.get("DATASETTE_LAMBDA_PLUGIN_SECRETS") or None,
            mount=environ.get("DATASETTE_LAMBDA_MOUNT") or None,
        )


def live_seconds(raw: str | None) -> float | None:
    """Seconds between checks from DATASETTE_LAMBDA_LIVE_SECONDS (default 15), None when off (0)."""
    if raw is None or raw.strip() == "":
        return DEFAULT_LIVE_SECONDS
    try:
        seconds = float(raw)
        if seconds < 0 or seconds != seconds or seconds == float("inf"):
            raise ValueError
    except ValueError:
        log.warning(
            "datasette-lambda: DATASETTE_LAMBDA_LIVE_SECONDS=%r is not a number of seconds; "
            "checking live data every %d s",
            raw[:40],
            DEFAULT_LIVE_SECONDS,
        )
        return DEFAULT_LIVE_SECONDS
    return seconds or None
