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

The words of the templates' ``_()`` go the same way: a message id without
values translates to the same text for every page of a language, so its
translation is kept per language (``remembered_gettext``); Jinja2 and
pyramid_jinja2 spent more on the way to the catalogue than the catalogue
itself (a tenth of a search page).
"""
from jinja2 import pass_context
from markupsafe import Markup
from pyramid.events import BeforeRender, subscriber
from pyramid.settings import asbool

#: Rendered pieces kept per process (names × values × languages × addresses); then they start again.
LIMIT = 2048
KEY = "olympix.layout_fragments"


def fragment(request, name, *values, caller):
    """The piece ``name`` as rendered from ``values`` for this request's language and address.

    ``caller`` renders its body (Jinja2's ``{% call %}``); ``values`` are
    hashable and are everything the body reads besides the language and
    the address: plain values (strings, tuples, frozen dataclasses), never
    an ORM row (it hashes by identity, and would keep its session alive).
    """
    place = request.__dict__.get(KEY)
    if place is None:  # once a request: what every piece of its page is kept under
        registry = request.registry
        kept = None if asbool(registry.settings.get("pyramid.reload_templates")) else registry.setdefault(KEY, {})
        place = request.__dict__[KEY] = (kept, request.locale_name, request.application_url)
    kept, locale, address = place
    if kept is None:
        return caller()
    key = (name, locale, address, values)
    text = kept.get(key)
    if text is None:
        if len(kept) >= LIMIT:  # a Host header and the filters are the visitor's to choose: bounded
            kept.clear()
        text = kept[key] = caller()
    return text


#: Translations kept per language; then they start again.
WORDS = 4096


@pass_context
def remembered_gettext(context, message, /, **variables):
    """Jinja2's newstyle ``_()`` (``Markup(translation) % variables`` when escaping), remembered per language.

    Only plain message ids are remembered: a TranslationString (a context,
    a default, a mapping of its own) goes Jinja2's usual way.
    """
    request = context.get("request")
    if request is None or type(message) is not str:
        return context.call(context.resolve("gettext"), message, **variables)
    escape = context.eval_ctx.autoescape
    localizer = request.localizer
    kept = localizer.__dict__.setdefault("_olympix_template_words", {})
    text = kept.get((message, escape))
    if text is None:
        text = localizer.translate(message, domain=request.registry.settings.get("jinja2.i18n.domain", "olympix"))
        if escape:
            text = Markup(text)
        if len(kept) >= WORDS:
            kept.clear()
        kept[(message, escape)] = text
    if not variables and "%" not in text:
        return text  # what ``% {}`` would give
    return text % variables


@subscriber(BeforeRender)
def fragment_global(event):
    event["fragment"] = fragment
    event["_"] = remembered_gettext  # a template's own variables come before Jinja2's globals
