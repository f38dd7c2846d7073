"""Issue 15.8: a real Content-Security-Policy, HSTS over HTTPS, no-store when signed in.

The policy allows no inline script or style, so the pages must carry none:
every page below is read for ``<script>`` without ``src``, ``<style>``,
``style=""`` and ``on…=""`` attributes.
"""
import re

import pytest

from .helpers import sign_in

# Inline script, style and handlers; a JSON data block (type="application/json")
# is data the browser never runs, which the policy allows.
INLINE = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>|<style\b|\sstyle=\"|\son[a-z]+=\"",
                    re.IGNORECASE)
PUBLIC_PAGES = ("/", "/events", "/account/@@signup", "/account/@@login", "/account/@@forgot", "/contact",
                "/nowhere")
SIGNED_IN_PAGES = ("/", "/account/", "/account/@@profile", "/account/@@password", "/account/@@delete",
                   "/orders/")
STAFF_PAGES = ("/backoffice/", "/backoffice/people/", "/backoffice/content/", "/gate/")


def csp(response):
    return dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";")
                if part.strip())


def not_stored(response):
    """Cache-Control forbids keeping the page anywhere (no-store, private or not)."""
    return "no-store" in [d.strip() for d in response.headers.get("Cache-Control", "").split(",")]


def inline_bits(response):
    return INLINE.findall(response.text)


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_carry_the_policy_and_nothing_inline(testapp, path):
    response = testapp.get(path, expect_errors=True)
    assert response.content_type == "text/html"
    policy = csp(response)
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert inline_bits(response) == []


def test_signed_in_and_staff_pages_have_nothing_inline_and_are_never_stored(testapp, make_user):
    make_user("admin@example.test", role="admin")
    sign_in(testapp, "admin@example.test")
    for path in SIGNED_IN_PAGES + STAFF_PAGES:
        response = testapp.get(path, expect_errors=True)
        assert response.status_int < 400, path
        assert inline_bits(response) == [], path
        assert not_stored(response), path


def test_anonymous_pages_and_static_files_may_be_cached(testapp, make_user):
    assert "no-store" not in testapp.get("/").headers.get("Cache-Control", "")
    make_user("ada@example.test")
    sign_in(testapp, "ada@example.test")
    assert "no-store" not in testapp.get("/static/css/olympix.css").headers.get("Cache-Control", "")


def test_hsts_over_https_only(testapp):
    assert "Strict-Transport-Security" not in testapp.get("/").headers
    secure = testapp.get("/", extra_environ={"wsgi.url_scheme": "https", "HTTP_HOST": "localhost:443"})
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_no_server_banner_from_the_application(testapp):
    assert "Server" not in testapp.get("/").headers
