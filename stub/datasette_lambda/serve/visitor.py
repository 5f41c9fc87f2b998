"""What the visitor of a request may see, by the site's permissions, for what the runtime
answers before Datasette's router (the status endpoint).

Datasette resolves the actor in its router (the actor_from_request hooks: its signed
ds_actor cookie, and any plugin's), then checks view-instance and, per database,
view-database as its index page does. The same here, with Datasette's own hooks and checks,
so the runtime never shows a visitor a database Datasette would hide from them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from datasette.plugins import pm
from datasette.utils import await_me_maybe
from datasette.utils.asgi import Request

log = logging.getLogger("datasette_lambda")


async def actor_of(ds: Any, scope: dict[str, Any], receive: Any) -> dict[str, Any] | None:
    """The actor of the request, as Datasette's router resolves it (None: anonymous)."""
    request = Request(scope, receive)
    try:
        for actor in pm.hook.actor_from_request(datasette=ds, request=request):
            actor = await await_me_maybe(actor)
            if actor:
                return actor
    except Exception as e:  # a plugin's failure: the visitor is anonymous, who sees least
        log.warning("datasette-lambda: could not tell who asked (%s: %s); answering as to anyone", type(e).__name__, e)
    return scope.get("actor") or None


async def viewable(ds: Any, actor: dict[str, Any] | None, names: Iterable[str]) -> tuple[bool, set[str]]:
    """(whether the actor may view the instance, the names among `names` it may view)."""
    instance, _ = await ds.check_visibility(actor, "view-instance")
    if not instance:
        return False, set()
    visible = set()
    for name in names:
        database, _ = await ds.check_visibility(actor, permissions=[("view-database", name), "view-instance"])
        if database:
            visible.add(name)
    return True, visible
