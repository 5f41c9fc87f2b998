"""Requests that CloudFront signed for the Function URL, told apart from anyone else's.

Behind CloudFront the Function URL has AuthType AWS_IAM and CloudFront signs every
request to it with SigV4 (Origin Access Control, SigningBehavior "always"). Lambda checks
the signature and describes the caller in requestContext.authorizer.iam; with AuthType
NONE (--no-cdn) there is no authorizer. Only for signed requests:

- The SigV4 headers (authorization, x-amz-date, x-amz-content-sha256,
  x-amz-security-token) are dropped. Datasette answers any request with an Authorization
  header "Cache-Control: private, no-store", so CloudFront would cache nothing. They are
  CloudFront's credentials, not the visitor's: "always" replaces whatever Authorization
  the viewer sent, and Lambda has already checked them.
- x-forwarded-host becomes Host. The CloudFront Function copies the viewer's Host into
  it (always overwriting), and Datasette builds absolute URLs from Host.
- x-datasette-lambda-authorization becomes Authorization. The same function copies the
  viewer's own Authorization there (an API token, Basic credentials), since OAC replaces
  the header with its signature. The scope is marked (VIEWER_AUTHORIZATION) so that the
  response is never cached or shared (response_caching.py).

On a public Function URL any client can send x-forwarded-host or the carrier header, so
they are ignored there (Host stays the Function URL's, the carrier is dropped), and an
Authorization header is the client's own and reaches Datasette untouched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

SIGNING_HEADERS = frozenset((b"authorization", b"x-amz-date", b"x-amz-content-sha256", b"x-amz-security-token"))
# Where the viewer's Authorization travels past OAC (templates/shared.yaml, ViewerRequestFunction).
CARRIER = b"x-datasette-lambda-authorization"
# Scope key: the request carries the viewer's own Authorization.
VIEWER_AUTHORIZATION = "datasette_lambda.viewer_authorization"

# host or host:port, or [ipv6]:port; anything else in x-forwarded-host is ignored.
_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$")
_HOST_PORT = re.compile(r"^(.*?)(?::([0-9]+))?$")


def signed_by_iam(event: dict[str, Any]) -> bool:
    """True if Lambda authorised this Function URL event with IAM (CloudFront's OAC signature)."""
    context = event.get("requestContext")
    authorizer = context.get("authorizer") if isinstance(context, dict) else None
    return isinstance(authorizer, dict) and isinstance(authorizer.get("iam"), dict)


def forwarded_host(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The viewer's host from x-forwarded-host (first value), or None if absent or malformed."""
    for key, value in headers:
        if key.lower() == b"x-forwarded-host":
            first = value.decode("latin-1").split(",")[0].strip()
            if _HOST.match(first):
                return first
            return None
    return None


def as_viewer_request(scope: dict[str, Any]) -> dict[str, Any]:
    """The scope as Datasette should see a request CloudFront signed; other scopes without the carrier."""
    original = scope.get("headers") or []
    if not signed_by_iam(scope.get("aws.event") or {}):
        if any(k.lower() == CARRIER for k, _ in original):
            return dict(scope, headers=[(k, v) for k, v in original if k.lower() != CARRIER])
        return scope
    carried = [v for k, v in original if k.lower() == CARRIER]
    headers = [(k, v) for k, v in original if k.lower() not in SIGNING_HEADERS and k.lower() != CARRIER]
    fixed = dict(scope, headers=headers)
    if carried:
        headers.append((b"authorization", carried[0]))
        fixed[VIEWER_AUTHORIZATION] = True
    host = forwarded_host(headers)
    if host:
        headers = [(k, v) for k, v in headers if k.lower() != b"host"]
        headers.append((b"host", host.encode("latin-1")))
        fixed["headers"] = headers
        fixed["server"] = _server(host, scope.get("server"))
    return fixed


def _server(host: str, previous: tuple[str, int | None] | None) -> tuple[str, int | None]:
    match = _HOST_PORT.match(host)
    assert match is not None  # the pattern matches any host _HOST accepted
    name, port = match.groups()
    if port:
        return (name, int(port))
    return (name, previous[1] if previous else 443)
