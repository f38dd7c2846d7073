"""Views, grouped by area; this module wires what templates share."""
from dataclasses import dataclass

from pyramid.tweens import INGRESS

from ..formatting import Formatter
from ..i18n import LANGUAGE_NAMES, LANGUAGES
from ..security.permissions import Permission
from .consent import consent_choice
from .forms import configure_deform


@dataclass(frozen=True)
class NavItem:
    path: str
    title: str
    permission: str
    order: int


def add_nav_item(config, path, title, permission, order=50):
    """Areas add their entry to the main navigation from their includeme."""
    config.registry.setdefault("olympix.nav", []).append(NavItem(path, title, permission, order))
    config.registry["olympix.nav"].sort(key=lambda item: item.order)


@dataclass(frozen=True)
class NavLink:
    title: str
    url: str
    current: bool  # the page shown is under this entry


def nav_items(request):
    """The entries of the main navigation this person may follow."""
    links = []
    for item in request.registry.get("olympix.nav", []):
        if request.has_permission(item.permission, request.root):
            names = [name for name in item.path.split("/") if name]
            if item.path.endswith("/"):
                names.append("")  # a folder: its URL ends with a slash
            links.append(NavLink(item.title, request.resource_url(request.root, *names),
                                 request.path.startswith(item.path)))
    return links


def add_account_section(config, template, order=50):
    """Areas add a panel to "My account" (orders, tickets, scans…)."""
    config.registry.setdefault("olympix.account_sections", []).append((order, template))
    config.registry["olympix.account_sections"].sort()


def account_sections(request):
    return [template for _order, template in request.registry.get("olympix.account_sections", [])]


def template_globals(event):
    request = event.get("request")
    if request is None:
        return
    event["fmt"] = request.fmt
    event["languages"] = LANGUAGES
    event["language_names"] = LANGUAGE_NAMES
    event["consent"] = consent_choice(request)
    event["Permission"] = Permission
    event["nav_items"] = nav_items
    event["account_sections"] = account_sections


def includeme(config):
    config.add_static_view("static", "olympix:static", cache_max_age=3600)
    config.add_tween("olympix.views.errors.undecodable_address_tween_factory", under=INGRESS)
    # One Formatter per request, in the person's language (money, dates, names).
    config.add_request_method(lambda request: Formatter(request.localizer), "fmt", reify=True)
    config.add_subscriber(template_globals, "pyramid.events.BeforeRender")
    configure_deform(config)
    config.add_directive("add_nav_item", add_nav_item)
    config.add_directive("add_account_section", add_account_section)
    # Each area's nav items, account panels and template helpers.
    config.include(".catalogue")
    config.include(".queue")  # the waiting room in front of queued sales (its view predicate)
    config.include(".orders")
    config.include(".tickets")
    config.include(".content")
    config.include(".backoffice")
