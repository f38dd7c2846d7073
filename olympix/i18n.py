"""Languages: FR and EN through gettext catalogues.

Catalogues are kept as ``locales/<lang>/<area>.po`` (one file per area, so
areas are translated independently) and merged into one ``olympix``
domain when the application starts: nothing to compile by hand, no .mo
file to forget. Deform's and colander's own catalogues are added so that
their validation messages come out in the person's language too.
"""
import glob
import io
import os
import re
from zoneinfo import ZoneInfo

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from pyramid.i18n import (
    Localizer,
    Translations,
    TranslationStringFactory,
    make_localizer,
)
from pyramid.interfaces import ILocalizer
from pyramid.path import AssetResolver

_ = TranslationStringFactory("olympix")


def _p(context, msgid, **kw):
    """A message whose translation depends on what it names (gettext's pgettext).

    "Cancelled" is "Annulée" for an order and "Annulé" for a ticket: the
    context ("order", "ticket") tells the catalogue which (``msgctxt``).
    """
    return _(msgid, context=context, **kw)

# The Games' local time: dates and times are shown, and days counted, in it.
PARIS = ZoneInfo("Europe/Paris")

LANGUAGES = ("fr", "en")
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}
LANG_COOKIE = "olympix_lang"
LOCALES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "locales")


def negotiate_locale(request):
    """The chosen language (cookie), else the browser's, else the default."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    default = request.registry.settings.get("olympix.default_locale", "fr")
    return request.accept_language.lookup(LANGUAGES, default=default)


def load_catalogue(lang, locales_dir=LOCALES_DIR):
    """Merge every ``locales/<lang>/*.po`` into one Translations object."""
    merged = Catalog(locale=lang, domain="olympix")
    for path in sorted(glob.glob(os.path.join(locales_dir, lang, "*.po"))):
        with open(path, "rb") as fh:
            for message in read_po(fh, locale=lang, domain="olympix"):
                if message.id and message.string and not message.fuzzy:
                    merged[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return Translations(buffer, domain="olympix")


PERCENT_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


class OlympixLocalizer(Localizer):
    """A localizer that also fills ``%(name)s`` placeholders.

    Pyramid's translation strings only interpolate ``${name}``; templates
    (Jinja2 newstyle gettext) use ``%(name)s``. Filling both here lets one
    message id be written the same way in Python and in templates.
    """

    #: Translations without values to fill are remembered, up to this many.
    REMEMBERED = 8192

    def translate(self, tstring, domain=None, mapping=None):
        if mapping is None and getattr(tstring, "mapping", None) is None:
            # A page asks for the same words on every card (issue 11): a
            # message with nothing to fill translates the same every time.
            key = (tstring, getattr(tstring, "default", None), getattr(tstring, "domain", None),
                   getattr(tstring, "context", None), domain)
            remembered = self.__dict__.setdefault("_olympix_plain", {})
            text = remembered.get(key)
            if text is None:
                if len(remembered) >= self.REMEMBERED:
                    remembered.clear()
                text = remembered[key] = self._translate(tstring, domain, None)
            return text
        return self._translate(tstring, domain, mapping)

    def _translate(self, tstring, domain, mapping):
        text = super().translate(tstring, domain=domain, mapping=mapping)
        values = dict(getattr(tstring, "mapping", None) or {})
        values.update(mapping or {})
        if values and "%(" in text:
            text = PERCENT_PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)
        return text


def make_localizers(locales_dir=LOCALES_DIR):
    resolve = AssetResolver().resolve
    library_dirs = [resolve(spec).abspath() for spec in ("deform:locale", "colander:locale")]
    localizers = {}
    for lang in LANGUAGES:
        base = make_localizer(lang, library_dirs).translations
        base.add(load_catalogue(lang, locales_dir))
        localizers[lang] = OlympixLocalizer(lang, base)
    return localizers


def translate(request, message, **mapping):
    """Translate a message id (or TranslationString) for this request."""
    return request.localizer.translate(_(message, mapping=mapping or None))


def includeme(config):
    config.set_locale_negotiator(negotiate_locale)
    # Pyramid looks a localizer up by locale name before reading .mo files:
    # registering ours makes the merged catalogues the ones used.
    for lang, localizer in make_localizers().items():
        config.registry.registerUtility(localizer, ILocalizer, name=lang)
