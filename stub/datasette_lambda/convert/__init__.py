"""The data converter (stub/live-data.md): data files into one SQLite database, and its
publication as live data. Importable alone: nothing here imports Datasette, Mangum, or
the site's modules (serve, start, databases, live); tests/test_converter_alone.py checks."""
