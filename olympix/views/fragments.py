"""Pieces of the layout that read the same for everyone of one language on one address, rendered once per process.

The layout's header, footer and cookie banner are two dozen translated
words and links: a fifth of a search page's CPU (issue 11). A template keeps
such a piece with ``{% call fragment(request, "name") %}…{% endcall %}``;
it is rendered the first time for its language and the site's address
(``request.application_url``: the links in it), then served as rendered.
A piece made from values (a card, the options of a list) names them all:
``fragment(request, "card", card)`` is rendered again as soon as one of
them differs (the seats left of a card), so it is never older than they are.

Nothing of a person goes in a fragment, and nothing that changes with the
page: the navigation (it depends on permissions and marks the page shown),
the sign-out form and its CSRF token, the links that carry the page's
address (``next=``) and the title stay outside, rendered on every page.
With ``pyramid.reload_templates`` (development) nothing is kept, so an edited
template shows at once.
"""
from pyramid.events import BeforeRender, subscriber
from pyramid.settings import asbool

#: Rendered pieces kept per process (names × values × languages × addresses); then they start again.
LIMIT = 2048
KEY = "olympix.layout_fragments"


def fragment(request, name, *values, caller):
    """The piece ``name`` as rendered from ``values`` for this request's language and address.

    ``caller`` renders its body (Jinja2's ``{% call %}``); ``values`` are
    hashable and are everything the body reads besides the language and
    the address.
    """
    registry = request.registry
    if asbool(registry.settings.get("pyramid.reload_templates")):
        return caller()
    kept = registry.setdefault(KEY, {})
    key = (name, request.locale_name, request.application_url, values)
    text = kept.get(key)
    if text is None:
        if len(kept) >= LIMIT:  # a Host header and the filters are the visitor's to choose: bounded
            kept.clear()
        text = kept[key] = caller()
    return text


@subscriber(BeforeRender)
def fragment_global(event):
    event["fragment"] = fragment
