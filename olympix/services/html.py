"""Keep editors' HTML to a safe subset before it is stored.

Content bodies are shown to the public as HTML; editors are trusted staff,
but a pasted fragment may carry a script or an ``onclick``, and a stolen
editor session must not become stored XSS. An allowlist (tags, and per tag
the attributes) with ``http(s)``/``mailto``/relative links only; anything
else is dropped, its text kept and escaped. Links are checked after the
parser has decoded character references, so ``&#106;avascript:`` or
``JaVaScRiPt:`` is a ``javascript:`` link like any other, and dropped.

``text_lines`` goes the other way: the readable lines of a stored body,
for the reviewer's diff and for summaries in lists.
"""
import re
from html import escape, unescape
from html.parser import HTMLParser

ALLOWED = {
    "p": (), "br": (), "h2": (), "h3": (), "h4": (), "ul": (), "ol": (), "li": (),
    "strong": (), "em": (), "b": (), "i": (), "code": (), "blockquote": (),
    "table": (), "thead": (), "tbody": (), "tr": (), "th": ("scope",), "td": (),
    "a": ("href",), "abbr": ("title",), "dl": (), "dt": (), "dd": (),
}
VOID = {"br"}
DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript"}
SAFE_SCHEMES = ("http://", "https://", "mailto:", "/", "#")


class _Cleaner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []
        self.open = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in DROP_WITH_CONTENT:
            self.skipping += 1
            return
        if self.skipping or tag not in ALLOWED:
            return
        kept = []
        for name, value in attrs:
            if name not in ALLOWED[tag] or value is None:
                continue
            if name == "href" and not value.strip().lower().startswith(SAFE_SCHEMES):
                continue
            kept.append(f' {name}="{escape(value, quote=True)}"')
        self.out.append(f"<{tag}{''.join(kept)}>")
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in self.open and tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in DROP_WITH_CONTENT:
            self.skipping = max(0, self.skipping - 1)
            return
        if self.skipping or tag not in self.open:
            return
        while self.open:
            last = self.open.pop()
            self.out.append(f"</{last}>")
            if last == tag:
                break

    def handle_data(self, data):
        if not self.skipping:
            self.out.append(escape(data, quote=False))


def sanitize(fragment):
    """The fragment with only allowed tags and attributes, every tag closed."""
    cleaner = _Cleaner()
    cleaner.feed(fragment or "")
    cleaner.close()
    cleaner.out.extend(f"</{tag}>" for tag in reversed(cleaner.open))
    return "".join(cleaner.out)


BLOCK_END = re.compile(r"(</(?:p|h[1-6]|li|tr|blockquote|dt|dd|ul|ol|table)>|<br\s*/?>)", re.IGNORECASE)
TAG = re.compile(r"<[^>]+>")


def text_lines(html):
    """Readable lines of an HTML fragment: one per block, tags removed."""
    text = TAG.sub(" ", BLOCK_END.sub(r"\1\n", html or ""))
    return [" ".join(unescape(line).split()) for line in text.splitlines() if line.strip()]
