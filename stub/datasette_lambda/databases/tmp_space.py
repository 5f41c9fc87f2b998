"""Whether a live database has room in the function's /tmp, decided before its download starts.

/tmp (the function's ephemeral storage) holds the deployed databases kept in S3, fetched
at cold start and kept while the instance lives, and the live ones. So a live database
bigger than /tmp less the deployed S3 databases can never fit on any instance of this
deployment: it is refused for good. `ls` applies the same rule from the stack's
EphemeralStorageSize and live/deployed.json (src/live/tmp-space.ts); both are tested on
the cases in stub/tests/tmp_space_cases.json. One that would fit, but not in what is free
now (the previous version of it still served, say), waits for a later check.
"""

from __future__ import annotations

import shutil

TOO_BIG = "too big"  # never fits: refused for good
NO_ROOM_NOW = "no room now"  # fits once files are released: try again later

MB = 1024 * 1024


def room_for(size: int, tmp_bytes: int, deployed_s3_bytes: int, free_bytes: int) -> str | None:
    """None when `size` bytes can be downloaded now, else TOO_BIG or NO_ROOM_NOW."""
    if size > tmp_bytes - deployed_s3_bytes:
        return TOO_BIG
    if size > free_bytes:
        return NO_ROOM_NOW
    return None


def usage(path: str) -> tuple[int, int]:
    """(size, free bytes) of the file system holding path."""
    total, _, free = shutil.disk_usage(path)
    return total, free


def megabytes(size: int) -> str:
    return f"{size / MB:.1f} MB"
