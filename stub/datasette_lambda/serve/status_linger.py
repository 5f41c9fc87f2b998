"""The status endpoint's wait for what push expects (docs/live-data.md, "Freshness").

Lambda freezes an instance between requests, so a live download runs only while a request
is answered (live/background_downloads.py). push polls /-/datasette-lambda.json?expect=
every 2 s; answered in a few milliseconds, each poll would let the download run a few ms
per 2 s, and a database of a few hundred MB would take far longer than push waits. So an
`expect` question waits while that helps: while some name asked about is not served live
with those bytes and a download of exactly that version runs (or waits its turn, or has
ended and waits to be swapped in), the answer waits, polling the download, asynchronously
(other requests on the event loop go on), until every name is served, the ended download
swapped in as any request swaps it (LiveData.follow), or until LINGER_SECONDS pass (less
when the invocation's time runs out). It then answers as it would have at once. Nothing
relevant downloading (a name refused for /tmp, a failure backing off, a version the
instance has not seen in the manifest, live data off): no wait at all.

Whether it waits depends only on the name and the exact sha256 asked about, as the answer
does: it tells nothing to someone who does not already hold those bytes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from datasette_lambda.serve.time_left import wait_limit

if TYPE_CHECKING:
    from datasette_lambda.live.live_data import LiveData

# One poll keeps the instance downloading this long, and push polls again at once after a
# poll that waited: the download then runs nearly all the time push waits. Well under the
# function's default 30 s timeout and CloudFront's 60 s origin timeout, and under push's
# per-poll timeout (src/live/wait-served.ts, which checks this figure).
LINGER_SECONDS = 10.0
# How often the wait looks at the download: a lock and a look at its queue, so cheap; an
# ended download is answered within this.
POLL_SECONDS = 0.1


@dataclass(frozen=True)
class Linger:
    """How long and how the status endpoint waits; tests pass their own clock and sleep."""

    seconds: float = LINGER_SECONDS
    poll_seconds: float = POLL_SECONDS
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep


async def linger_for(live: LiveData, expected: Mapping[str, str], context: Any, linger: Linger) -> None:
    """Return once every version in expected {name: sha256} is served live, or none of those
    not served is on its way, or the wait's bound (or the invocation's time left) has passed."""
    until = linger.clock() + wait_limit(context, linger.seconds)
    while live.on_its_way(expected) and linger.clock() < until:
        await linger.sleep(linger.poll_seconds)
        # Swap in what has ended, as a request does; in a thread, as a check may be due (an S3 GET).
        await asyncio.to_thread(live.follow)
