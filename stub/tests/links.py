"""Collect the links of an HTML page and check that each internal one resolves."""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

LINK_ATTRIBUTES = {"href", "src", "action"}


class _LinkParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in LINK_ATTRIBUTES and value is not None:
                self.links.append((tag, name, value))


def page_links(html):
    parser = _LinkParser()
    parser.feed(html)
    return parser.links


def internal_targets(page_url, html, viewer_host):
    """[(link as written, absolute URL)] of links that stay on the site (fragments dropped)."""
    targets = []
    for _tag, _attr, value in page_links(html):
        value = value.strip()
        if not value or value.startswith(("#", "javascript:", "mailto:", "data:")):
            continue
        absolute = urljoin(page_url, value).split("#", 1)[0]
        parts = urlsplit(absolute)
        if parts.scheme in ("http", "https") and parts.netloc != viewer_host:
            if "lambda-url" in parts.netloc:
                # An absolute link to the Function URL host: Host was not rewritten.
                targets.append((value, absolute))
            continue
        targets.append((value, absolute))
    return targets
