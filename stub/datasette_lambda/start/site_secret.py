"""The secret Datasette signs cookies and tokens with."""

import logging
import secrets

log = logging.getLogger("datasette_lambda")


def site_secret(configured: str | None) -> str:
    """DATASETTE_SECRET (fixed per site by the stack, given as `configured`); else a random
    one, with a warning.

    Every Lambda instance would otherwise pick its own random secret, so a cookie signed
    by one instance (sign-in, CSRF token, messages) would be rejected by the next.
    The value itself is never logged.
    """
    if configured:
        return configured
    log.warning(
        "datasette-lambda: DATASETTE_SECRET is not set; using a random secret, so signed "
        "cookies will not survive across Lambda instances"
    )
    return secrets.token_hex(32)
