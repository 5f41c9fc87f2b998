"""Lambda Function URL events (payload format 2.0), shaped as AWS delivers them."""

import base64
import time
from urllib.parse import urlencode

FUNCTION_URL_HOST = "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws"


def make_event(method="GET", path="/", query=None, headers=None, body=None, cookies=None):
    """A Function URL event.

    path is sent as the client would send it (already percent-encoded: "/db/dotted%2Etable");
    Function URLs keep that encoding in rawPath and requestContext.http.path.
    query is a raw query string ("sql=select+1") or a dict/list of pairs to encode.
    Header names are lower-cased and repeated values comma-joined, as AWS does; cookies
    travel in their own list, not in a cookie header.
    """
    if query is None:
        raw_query = ""
    elif isinstance(query, str):
        raw_query = query
    else:
        raw_query = urlencode(query)
    merged = {
        "host": FUNCTION_URL_HOST,
        "x-forwarded-proto": "https",
        "x-forwarded-port": "443",
        "x-forwarded-for": "198.51.100.7",
        "user-agent": "stub-tests",
        "accept": "*/*",
    }
    for key, value in (headers or {}).items():
        merged[key.lower()] = value
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": merged,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": FUNCTION_URL_HOST.split(".")[0],
            "domainName": FUNCTION_URL_HOST,
            "domainPrefix": FUNCTION_URL_HOST.split(".")[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "198.51.100.7",
                "userAgent": merged["user-agent"],
            },
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": False,
    }
    if raw_query:
        event["queryStringParameters"] = _query_parameters(raw_query)
    if cookies:
        event["cookies"] = list(cookies)
    if body is not None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        event["body"] = base64.b64encode(body).decode("ascii")
        event["isBase64Encoded"] = True
    return event


def _query_parameters(raw_query):
    # AWS decodes and comma-joins repeated parameters; nothing in the stub reads this.
    from urllib.parse import parse_qsl

    params = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        params[key] = f"{params[key]},{value}" if key in params else value
    return params


def response_body(response):
    """The body of a handler response as bytes (decoding base64 when flagged)."""
    body = response.get("body", "")
    if response.get("isBase64Encoded"):
        return base64.b64decode(body)
    return body.encode("utf-8")


def response_text(response):
    return response_body(response).decode("utf-8")
