"""The client's address through trusted proxies only."""
import pytest
from pyramid import testing

from olympix.security.client_address import client_address, parse_proxies


def request_from(remote, forwarded=None, proxies=""):
    request = testing.DummyRequest(remote_addr=remote,
                                   headers={"X-Forwarded-For": forwarded} if forwarded else {})
    request.registry.settings = {"olympix.trusted_proxies.parsed": parse_proxies(proxies)}
    return request


def test_without_trusted_proxies_the_header_is_ignored():
    assert client_address(request_from("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_behind_a_trusted_proxy_the_forwarded_client_counts():
    assert client_address(request_from("10.0.0.2", "198.51.100.1", "10.0.0.0/8")) == "198.51.100.1"


def test_a_client_cannot_forge_its_address_through_the_header():
    # The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the real address.
    request = request_from("10.0.0.2", "1.2.3.4, 198.51.100.1", "10.0.0.0/8")
    assert client_address(request) == "198.51.100.1"


def test_several_trusted_hops_are_skipped():
    request = request_from("127.0.0.1", "198.51.100.1, 10.0.0.7", "127.0.0.1 10.0.0.0/8")
    assert client_address(request) == "198.51.100.1"


def test_a_request_not_from_a_proxy_keeps_its_own_address():
    assert client_address(request_from("198.51.100.5", "1.2.3.4", "10.0.0.0/8")) == "198.51.100.5"


def test_bad_proxy_settings_are_refused():
    with pytest.raises(ValueError, match="not-an-ip"):
        parse_proxies("10.0.0.0/8, not-an-ip")
