"""The content sanitizer: only allowed tags and attributes, only safe links."""
import pytest

from olympix.services.html import sanitize, text_lines

HOSTILE_LINKS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "&#106;avascript:alert(1)",  # a character reference, decoded before the check
    "&#x6A;avascript&colon;alert(1)",
    "java&#x09;script:alert(1)",  # browsers drop the tab
    "  javascript:alert(1)",
    "\x01javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    # protocol-relative: another site, whatever the scheme of the page (issue 15.7)
    "//evil.example/login",
    "/\\evil.example/login",
    "\\/evil.example/login",
    " //evil.example/login",
    "/\t/evil.example/login",
]


@pytest.mark.parametrize("href", HOSTILE_LINKS)
def test_hostile_links_lose_their_address_and_keep_their_text(href):
    cleaned = sanitize(f'<p>See <a href="{href}">the map</a>.</p>')
    assert cleaned == "<p>See <a>the map</a>.</p>"


def test_unquoted_and_upper_case_attributes_are_checked_too():
    cleaned = sanitize("<A HREF=javascript:alert(1) onclick=x()>x</A><a href='data:,y' title=t>y</a>")
    assert cleaned == "<a>x</a><a>y</a>"


@pytest.mark.parametrize("href", ["https://example.test/a?b=1&amp;c=2", "http://example.test/",
                                  "mailto:support@olympix.test", "/pages/faq", "#accessibility"])
def test_safe_links_stay(href):
    assert sanitize(f'<a href="{href}">x</a>') == f'<a href="{href}">x</a>'


def test_scripts_go_with_their_content_and_other_tags_keep_their_text():
    cleaned = sanitize('<p onclick="x()">Hi<script>alert(1)</script><img src=x onerror=alert(1)> '
                       '<span style="color:red">there</span></p><style>p{}</style>')
    assert cleaned == "<p>Hi there</p>"


def test_every_tag_is_closed_and_text_is_escaped():
    # Parsed as browsers do (HTML5): a new <li> closes the open one.
    assert sanitize("<ul><li>a &lt;b&gt; & c<li>d") == "<ul><li>a &lt;b&gt; &amp; c</li><li>d</li></ul>"


def test_the_sanitiser_is_nh3():
    """A well-kept sanitiser (Ammonia through nh3), not one written here on html.parser."""
    import olympix.services.html as module

    assert "nh3" in module.__dict__ and "HTMLParser" not in module.__dict__


def test_text_lines_reads_blocks_as_lines():
    assert text_lines("<h2>Title</h2><p>One &amp; two</p><ul><li>a</li><li>b</li></ul>") == [
        "Title", "One & two", "a", "b"]
