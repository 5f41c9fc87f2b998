"""What the TypeScript CLI writes and this runtime reads: the package manifest
(manifest.json), the live manifest (live/manifest.json) and their timestamps.
Standard library only, so both the site and the converter import it."""
