"""Security headers on every response.

No MIME sniffing, no referrer sent off the site, no page of olympix inside
someone else's frame (clickjacking on the pay or role buttons), and a
Content-Security-Policy that runs only the site's own files: no inline
script or style anywhere (tests/functional/test_security_headers.py reads
the pages for them), no plugin, no ``<base>``. Over HTTPS, browsers are told
to stay on HTTPS (HSTS). A view that needs
otherwise sets the header itself: these are defaults. The debug toolbar
(development only) keeps its own headers. Who may keep a page (Cache-Control)
is decided in one place: ``web_cache.py``.
"""
from pyramid.events import NewResponse, subscriber

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# img-src data: for the barcodes drawn as data: URIs. No form-action: the
# payment form's redirect to the provider's hosted page would be blocked.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
))
HTML_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
}
HSTS = "max-age=31536000; includeSubDomains"


@subscriber(NewResponse)
def security_headers(event):
    request, response = event.request, event.response
    # The raw PATH_INFO: request.path raises on an address that is not UTF-8.
    path = request.environ.get("PATH_INFO", "")
    if path.startswith("/_debug_toolbar"):
        return
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if response.content_type == "text/html":
        for name, value in HTML_HEADERS.items():
            response.headers.setdefault(name, value)
    if request.environ.get("wsgi.url_scheme") == "https":
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    response.headers.pop("Server", None)
