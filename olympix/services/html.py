"""Keep editors' HTML to a safe subset before it is stored.

Content bodies are shown to the public as HTML; editors are trusted staff,
but a pasted fragment may carry a script or an ``onclick``, and a stolen
editor session must not become stored XSS. The sanitiser is nh3 (the
binding to Ammonia, a well-kept sanitiser built on the HTML5 parsing
algorithm browsers use) with an allowlist: tags, and per tag the
attributes, ``http(s)``/``mailto`` links and site-relative ones; anything
else is dropped, its text kept and escaped. Ammonia decodes character
references and parses the URL before it checks the scheme, so
``&#106;avascript:`` or ``JaVaScRiPt:`` is refused like ``javascript:``.
Protocol-relative addresses (``//host``, ``/\\host``: browsers read both
as another site) are refused too: relative links stay on this site.

``text_lines`` goes the other way: the readable lines of a stored body,
for the reviewer's diff and for summaries in lists.
"""
import re
from html import unescape

import nh3

ALLOWED = {
    "p": (), "br": (), "h2": (), "h3": (), "h4": (), "ul": (), "ol": (), "li": (),
    "strong": (), "em": (), "b": (), "i": (), "code": (), "blockquote": (),
    "table": (), "thead": (), "tbody": (), "tr": (), "th": ("scope",), "td": (),
    "a": ("href",), "abbr": ("title",), "dl": (), "dt": (), "dd": (),
}
DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript"}
URL_SCHEMES = {"http", "https", "mailto"}
# Browsers skip these before reading an address (tabs, newlines, spaces, controls).
_IGNORED = re.compile(r"[\x00-\x20\x7f]+")


def _same_site(tag, attribute, value):
    """nh3's per-attribute hook: a link may be absolute (scheme checked by nh3) or on this site."""
    if attribute != "href":
        return value
    compact = _IGNORED.sub("", value)
    if compact[:2] in ("//", "/\\", "\\/", "\\\\"):
        return None
    return value


_CLEANER = nh3.Cleaner(
    # "*": no attribute on every tag (Ammonia's default allows lang and title everywhere).
    tags=set(ALLOWED), attributes={"*": set(), **{tag: set(attrs) for tag, attrs in ALLOWED.items() if attrs}},
    clean_content_tags=DROP_WITH_CONTENT, url_schemes=URL_SCHEMES, link_rel=None,
    strip_comments=True, attribute_filter=_same_site,
)


def sanitize(fragment):
    """The fragment with only allowed tags and attributes, every tag closed."""
    return _CLEANER.clean(fragment or "")


BLOCK_END = re.compile(r"(</(?:p|h[1-6]|li|tr|blockquote|dt|dd|ul|ol|table)>|<br\s*/?>)", re.IGNORECASE)
TAG = re.compile(r"<[^>]+>")


def text_lines(html):
    """Readable lines of an HTML fragment: one per block, tags removed."""
    text = TAG.sub(" ", BLOCK_END.sub(r"\1\n", html or ""))
    return [" ".join(unescape(line).split()) for line in text.splitlines() if line.strip()]
