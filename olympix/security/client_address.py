"""The address of the person behind a request, through the proxies we trust.

Behind a load balancer every request comes from the balancer: limits per
address (contact form, sign-in, holds) would then count every visitor
together. ``olympix.trusted_proxies`` lists the proxies' addresses or
networks (``10.0.0.0/8, 127.0.0.1``); when the request comes from one of
them, the address is read from ``X-Forwarded-For``, right to left, skipping
the trusted hops: the first untrusted address is the client's. Anything else
in the header is ignored (a client can write what it likes there).
"""
import ipaddress

MAX_LENGTH = 45  # an IPv6 address in text


def parse_proxies(text):
    """``"10.0.0.0/8, 127.0.0.1"`` → a tuple of networks; ValueError names a bad entry."""
    networks = []
    for entry in (text or "").replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"not an address or network: {entry!r}") from None
    return tuple(networks)


def _trusted(address, proxies):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(request):
    """The client's address as text (at most 45 characters), or "unknown"."""
    proxies = request.registry.settings.get("olympix.trusted_proxies.parsed", ())
    address = request.remote_addr or ""
    if proxies and _trusted(address, proxies):
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
        for hop in reversed(hops):
            address = hop
            if not _trusted(hop, proxies):
                break
    return (address or "unknown")[:MAX_LENGTH]
