"""Lambda Function URL events (payload format 2.0), shaped as AWS delivers them."""

import base64
import hashlib
import time
from urllib.parse import urlencode

FUNCTION_URL_HOST = "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws"
VIEWER_HOST = "data.example.org"

# What Lambda puts in requestContext.authorizer.iam for a request signed by CloudFront's
# Origin Access Control (shape from the Function URL payload documentation; the values of
# CloudFront's own identity are not documented, and the stub only checks that "iam" exists).
CLOUDFRONT_IAM = {
    "accessKey": "ASIAEXAMPLECLOUDFRONT",
    "accountId": "999999999999",
    "callerId": "AROAEXAMPLECLOUDFRONT:OriginAccessControl",
    "cognitoIdentity": None,
    "principalOrgId": None,
    "userArn": "arn:aws:sts::999999999999:assumed-role/CloudFrontOriginAccessControl/OriginAccessControl",
    "userId": "AROAEXAMPLECLOUDFRONT:OriginAccessControl",
}
# Stand-ins for CloudFront's SigV4 credentials; tests check none of them reaches Datasette.
SIGV4_SIGNATURE = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
SIGV4_SECURITY_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE-session-token-from-cloudfront//////////wEaCXVzLWVhc3QtMSJHMEUCIQ"


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


def make_cloudfront_event(
    method="GET", path="/", query=None, headers=None, body=None, cookies=None, viewer_host=VIEWER_HOST
):
    """A Function URL event as it arrives from CloudFront with Origin Access Control.

    AuthType AWS_IAM: CloudFront signs the origin request with SigV4 (SigningBehavior
    "always", so any viewer Authorization is replaced), Lambda verifies it and describes
    the signer in requestContext.authorizer.iam. The origin request policy
    AllViewerExceptHostHeader forwards the viewer's headers and cookies but not its Host
    (Host is the Function URL's); the CloudFront Function has copied the viewer's Host into
    x-forwarded-host. headers are the viewer's (they may override any of these).
    """
    now = time.gmtime()
    amz_date = time.strftime("%Y%m%dT%H%M%SZ", now)
    raw_body = body.encode("utf-8") if isinstance(body, str) else (body or b"")
    merged = {
        "x-forwarded-host": viewer_host,
        "via": "2.0 0123456789abcdef0123456789abcdef.cloudfront.net (CloudFront)",
        "x-amz-cf-id": "Xb0JBwX3jB4DMi0ad0pdvdTr4GsXWbbtu2VUXeu6gLRWfEXAMPLE==",
        "cloudfront-forwarded-proto": "https",
        "cloudfront-viewer-address": "198.51.100.7:50123",
        "cloudfront-viewer-country": "GB",
        "x-forwarded-for": "198.51.100.7, 130.176.0.1",
        "x-amz-date": amz_date,
        "x-amz-content-sha256": hashlib.sha256(raw_body).hexdigest(),
        "x-amz-security-token": SIGV4_SECURITY_TOKEN,
        "authorization": (
            f"AWS4-HMAC-SHA256 Credential={CLOUDFRONT_IAM['accessKey']}/{amz_date[:8]}/us-east-1/"
            "lambda/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;"
            f"x-amz-security-token, Signature={SIGV4_SIGNATURE}"
        ),
    }
    for key, value in (headers or {}).items():
        merged[key.lower()] = value
    event = make_event(method, path, query, merged, body, cookies)
    event["requestContext"]["accountId"] = "123456789012"  # the function owner's, not "anonymous"
    event["requestContext"]["authorizer"] = {"iam": dict(CLOUDFRONT_IAM)}
    event["requestContext"]["http"]["sourceIp"] = "130.176.0.1"  # a CloudFront edge
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
