"""Keep responses under Lambda's 6 MB synchronous response limit.

Mangum buffers the whole body and base64-encodes binary ones, and Lambda refuses a
response whose JSON payload exceeds 6,291,556 bytes: the visitor would get a bare 502
from the Function URL and the log a "payload size exceeded" line. Instead the handler
returns a 500 page that says what happened and what to do. 500, not 413: 413 tells the
client its own request was too large.
"""

import json

# Lambda's limit on a synchronous invocation's response payload, in bytes.
LAMBDA_RESPONSE_LIMIT = 6_291_556
# Room for the runtime's own JSON framing, which may differ slightly from ours.
_HEADROOM = 4096

TOO_LARGE_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Response too large</title></head>
<body><h1>Response too large</h1>
<p>This response would be {size:,} bytes, more than the 6 MB AWS Lambda can return.</p>
<p>Ask for less: add filters, a smaller <code>_size</code>, fewer columns
(<code>_col</code>/<code>_nocol</code>), or page through the results.</p>
</body></html>
"""


def payload_size(response):
    return len(json.dumps(response).encode("utf-8"))


def enforce_response_limit(response, limit=LAMBDA_RESPONSE_LIMIT):
    """Return the response, or a small 500 page if Lambda would refuse it."""
    body = response.get("body") or ""
    if len(body) * 6 + 65536 < limit:
        return response  # even fully \u-escaped it fits: skip serialising it twice
    size = payload_size(response)
    if size <= limit - _HEADROOM:
        return response
    return {
        "statusCode": 500,
        "headers": {
            "content-type": "text/html; charset=utf-8",
            "cache-control": "no-store",
            "x-datasette-lambda-error": "response-too-large",
        },
        "body": TOO_LARGE_PAGE.format(size=size),
        "isBase64Encoded": False,
    }
