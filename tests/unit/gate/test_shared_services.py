"""The gate finds its scan settings and clock once per application, not once per scan."""
import pytest
from pyramid.config import Configurator

from olympix.gate import services
from olympix.gate.scan import ScanConfig
from olympix.interfaces import IClock
from olympix.services.clock import FakeClock


def make_registry(settings, clock):
    config = Configurator(settings=settings)
    config.include("pyramid_services")
    config.register_service(ScanConfig.from_settings(settings), ScanConfig)
    config.register_service(clock, IClock)
    config.commit()
    return config.registry


@pytest.fixture
def registry(key_settings):
    """A registry with the gate's scan settings and a fake clock."""
    return make_registry(key_settings, FakeClock())


def test_the_registered_instances_are_what_the_gate_uses(registry, request_of):
    request = request_of(registry)
    assert services.scan_config(request) is request.find_service(ScanConfig)
    assert services._shared(request)[1] is request.find_service(IClock)


def test_later_requests_do_not_look_them_up_again(registry, request_of):
    first = services.scan_config(request_of(registry))
    later = request_of(registry)

    def no_lookup(*args, **kwargs):
        raise AssertionError("find_service called again")

    later.find_service = no_lookup
    assert services.scan_config(later) is first
    assert services._shared(later)[1] is request_of(registry).find_service(IClock)


def test_each_application_keeps_its_own(registry, request_of, key_settings):
    other = make_registry(key_settings, FakeClock())
    mine, theirs = services._shared(request_of(registry)), services._shared(request_of(other))
    assert mine[0] is not theirs[0] and mine[1] is not theirs[1]
    assert theirs[1] is request_of(other).find_service(IClock)


def test_the_clock_moves_for_the_gate_as_for_everyone(registry, request_of):
    clock = request_of(registry).find_service(IClock)
    services._shared(request_of(registry))
    clock.advance(minutes=5)
    assert services._shared(request_of(registry))[1].now() == clock.now()
