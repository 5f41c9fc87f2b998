"""How long a request may still wait for something: a limit, less when the invocation's own
time runs out (Lambda's context says how much is left; without one, the limit)."""

from __future__ import annotations

from typing import Any

# Kept free of a request's remaining time to answer before the function times out.
RESPONSE_MARGIN_SECONDS = 2.0


def wait_limit(context: Any, limit: float) -> float:
    """Seconds a request may wait: limit, less when its time runs out."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return limit
    return max(0.0, min(limit, remaining() / 1000 - RESPONSE_MARGIN_SECONDS))
