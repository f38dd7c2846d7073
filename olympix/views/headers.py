"""Security headers on every response.

No MIME sniffing, no referrer sent off the site, and no page of olympix
inside someone else's frame (clickjacking on the pay or role buttons). A
view that needs otherwise sets the header itself: these are defaults. The
debug toolbar (development only) keeps its own headers.
"""
from pyramid.events import NewResponse, subscriber

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
HTML_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
}


@subscriber(NewResponse)
def security_headers(event):
    request, response = event.request, event.response
    # The raw PATH_INFO: request.path raises on an address that is not UTF-8.
    if request.environ.get("PATH_INFO", "").startswith("/_debug_toolbar"):
        return
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if response.content_type == "text/html":
        for name, value in HTML_HEADERS.items():
            response.headers.setdefault(name, value)
