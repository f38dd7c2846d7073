"""The clock is found once per application (interfaces.shared_service), and still moves for everyone."""
from pyramid.config import Configurator
from pyramid.request import Request, apply_request_extensions

from olympix.interfaces import IClock
from olympix.services import clock as clock_service
from olympix.services.clock import FakeClock


def registry_with(clock):
    config = Configurator(settings={})
    config.include("pyramid_services")
    config.register_service(clock, IClock)
    config.commit()
    return config.registry


def request_on(registry):
    request = Request.blank("/")
    request.registry = registry
    apply_request_extensions(request)
    return request


def test_a_later_request_reads_the_time_without_looking_the_clock_up():
    fake = FakeClock()
    registry = registry_with(fake)
    assert clock_service.now(request_on(registry)) == fake.now()
    later = request_on(registry)

    def no_lookup(*args, **kwargs):
        raise AssertionError("find_service called again")

    later.find_service = no_lookup
    fake.advance(minutes=5)
    assert clock_service.now(later) == fake.now()


def test_each_application_reads_its_own_clock():
    mine, theirs = FakeClock(), FakeClock()
    theirs.advance(days=1)
    assert clock_service.now(request_on(registry_with(mine))) == mine.now()
    assert clock_service.now(request_on(registry_with(theirs))) == theirs.now()
