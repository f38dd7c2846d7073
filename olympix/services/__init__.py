"""Services: the outside world behind small interfaces.

Each backend is picked by a dotted-path setting and registered with
pyramid_services; views call ``request.find_service(IThing)``.
"""
from pyramid.path import DottedNameResolver

from ..interfaces import IClock, IEmailSender, IPaymentGateway, ISMSSender
from .shared_store import shared_store


def includeme(config):
    config.include("pyramid_services")
    settings = config.get_settings()
    resolve = DottedNameResolver().maybe_resolve
    for iface, key in (
        (IClock, "olympix.clock"),
        (IEmailSender, "olympix.email.backend"),
        (ISMSSender, "olympix.sms.backend"),
    ):
        backend = resolve(settings[key])
        # Backends are built once from the settings and shared: they hold
        # no per-request state (the fake clock is the point of sharing).
        config.register_service(backend.from_settings(settings), iface)
    # The payment client is made per request from its settings (it holds
    # no state of its own).
    gateway = resolve(settings["olympix.payment.backend"])
    config.register_service_factory(gateway.create_service, IPaymentGateway)
    # Redis shared by every node (None: the embedded fallback on the database).
    store = shared_store(settings)
    config.registry["olympix.shared_store"] = store
    config.add_request_method(lambda request: request.registry["olympix.shared_store"],
                              "shared_store", reify=True)