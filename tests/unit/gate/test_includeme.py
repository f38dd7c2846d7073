"""What ``olympix.gate``'s includeme registers: its services, its device API, its nav item."""
from datetime import timedelta

import pytest
from pyramid.config import Configurator

from olympix.gate import api
from olympix.gate.barcode import BarcodeService
from olympix.gate.scan import ScanConfig
from olympix.interfaces import IBarcodeService
from olympix.resources.gate import GateApi
from olympix.security.permissions import Permission
from olympix.views import add_nav_item


@pytest.fixture
def registry(key_settings):
    """A registry with only what the gate needs below it, then the gate included."""
    settings = dict(key_settings)
    settings["olympix.gate.opens_before"] = 45  # parsed once, as settings.py does
    config = Configurator(settings=settings)
    config.include("pyramid_services")
    config.add_directive("add_nav_item", add_nav_item)  # views/__init__.py's, included before the gate
    config.include("olympix.gate")
    config.commit()
    return config.registry


def test_barcode_service_is_registered(registry, request_of):
    assert isinstance(request_of(registry).find_service(IBarcodeService), BarcodeService)


def test_scan_config_is_one_service_built_from_the_settings(registry, request_of):
    first, second = request_of(registry).find_service(ScanConfig), request_of(registry).find_service(ScanConfig)
    assert first is second
    assert first.opens_before == timedelta(minutes=45)
    assert first.ticket_keyring is registry.settings["olympix.ticket_keys.parsed"]


def test_device_api_is_the_scans_view_on_gate_api(registry):
    [found] = [i for i in registry.introspector.get_category("views")
               if i["introspectable"]["name"] == "scans"]
    intr = found["introspectable"]
    assert intr["callable"] is api.scan_view and intr["context"] is GateApi
    assert intr["request_methods"] == "POST" and intr["require_csrf"] is False
    permissions = [r for r in found["related"] if r.category_name == "permissions"]
    assert [p["value"] for p in permissions] == [Permission.GATE_SCAN]


def test_nav_item_for_those_who_scan(registry):
    [item] = registry["olympix.nav"]
    assert (item.path, item.permission, item.order) == ("/gate/", Permission.GATE_SCAN, 70)
