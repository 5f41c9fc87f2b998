"""The request path: Datasette and the ASGI middleware around it, and the pages the
runtime answers itself (loading, status, responses too large for Lambda)."""
