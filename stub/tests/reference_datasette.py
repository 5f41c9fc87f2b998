"""`datasette serve -i FILE ...` in process, with a site's metadata and settings: what the
stub's pages are compared with, page for page."""

import asyncio

from harness import TEST_SECRET

from lambda_events import VIEWER_HOST


class ReferenceDatasette:
    def __init__(self, files, manifest):
        from datasette.app import Datasette

        self.datasette = Datasette(
            immutables=files,
            metadata=manifest["metadata"],
            settings=manifest["settings"],
            secret=TEST_SECRET,
        )
        self.app = self.datasette.app()
        # Its own loop: asyncio.run() would leave none for Mangum's get_event_loop().
        self.loop = asyncio.new_event_loop()

    def get(self, path, headers=None):
        """GET path as a viewer of the site's host would; an httpx response."""
        import httpx

        async def get():
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url=f"https://{VIEWER_HOST}") as client:
                return await client.get(path, headers=headers or {})

        return self.loop.run_until_complete(get())

    def close(self):
        for database in self.datasette.databases.values():
            database.close()
        self.datasette.executor.shutdown(wait=False)
        self.loop.close()
