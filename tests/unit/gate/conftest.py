"""Gate unit fixtures: the keys a gate registry's settings start from, and requests on a bare registry."""
import pytest
from pyramid.request import Request, apply_request_extensions

from olympix.security.keyring import Keyring

KEYS = {"olympix.data_keys": "A:aW5zZWN1cmUtZGV2LWRhdGEta2V5LUEtMDAwMDAwMDA=",
        "olympix.ticket_keys": "A:aW5zZWN1cmUtZGV2LXRpY2tldC1rZXktQS0wMDAwMDA="}


@pytest.fixture
def key_settings():
    """The data and ticket keyrings as settings.py leaves them parsed: a registry's settings start from these."""
    return {f"{key}.parsed": Keyring.from_setting(value) for key, value in KEYS.items()}


@pytest.fixture
def request_of():
    """request_of(registry): a new request on ``registry``, with its request methods (find_service…)."""

    def make(registry):
        request = Request.blank("/")
        request.registry = registry
        apply_request_extensions(request)
        return request

    return make
