"""Datasette's per-request schema refresh, safe when requests run on several threads.

Every request awaits ds.refresh_schemas(), which skips the refresh if one is under way,
guarded by an asyncio.Lock. That lock belongs to one event loop; with requests on several
threads (the stub tests, tests/local_server.py: one loop per thread), two that contend
for it make one loop wake another's future from the wrong thread (a request that hangs)
or raise "is bound to a different event loop". A threading lock with the same rule (a
refresh under way is skipped, never waited for) has neither problem. Lambda runs one
request at a time per instance: nothing changes there.
"""

import threading


def make_schema_refresh_thread_safe(ds):
    lock = threading.Lock()

    async def refresh_schemas():
        if not lock.acquire(blocking=False):
            return
        try:
            await ds._refresh_schemas()
        finally:
            lock.release()

    ds.refresh_schemas = refresh_schemas
