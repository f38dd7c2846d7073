"""Redirect targets taken from the request, kept on this site."""
from urllib.parse import urlsplit


def safe_next(request, target, default=None):
    """``target`` if it is a path on this site, else ``default`` (home).

    Refuses absolute URLs and scheme-relative ``//host`` paths: an open
    redirect would let a phishing link borrow our address.
    """
    fallback = default or request.application_url + "/"
    if not target or not isinstance(target, str) or len(target) > 2000:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return fallback
    return request.application_url + target
