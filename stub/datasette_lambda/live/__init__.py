"""Following live data: the conditional check of live/manifest.json and the download and
swap of what it lists (contract: stub/live-data.md)."""
