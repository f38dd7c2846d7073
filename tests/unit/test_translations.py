"""Every message a person reads has a French translation."""
import os
import re

from babel.messages.extract import extract_from_dir

from olympix.i18n import LOCALES_DIR, load_catalogue

ROOT = os.path.dirname(LOCALES_DIR)
METHODS = [("olympix/**.py", "python"), ("olympix/templates/**.jinja2", "jinja2")]
OPTIONS = {"olympix/templates/**.jinja2": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}
KEYWORDS = {"_": None, "_p": ((1, "c"), 2), "translate": (2,), "flash": (2,)}
PLACEHOLDER = re.compile(r"%\(\w+\)s|\$\{\w+\}")


def message_ids():
    """Every message id, as the catalogue keys it (``context\x04id`` with a context)."""
    ids = set()
    for _file, _line, message, _comments, context in extract_from_dir(
            ROOT, METHODS, OPTIONS, KEYWORDS, strip_comment_tags=True):
        if isinstance(message, tuple):
            message = message[0]
        if message:
            ids.add(f"{context}\x04{message}" if context else message)
    return ids


def untranslated(message):
    return message.rpartition("\x04")[2]


def test_every_message_has_a_french_translation():
    french = load_catalogue("fr")
    missing = sorted(m for m in message_ids() if m not in french._catalog)
    assert not missing, "no French for:\n" + "\n".join(missing)


def test_placeholders_survive_translation():
    french = load_catalogue("fr")
    wrong = [m for m in message_ids()
             if sorted(PLACEHOLDER.findall(french.gettext(m))) != sorted(PLACEHOLDER.findall(untranslated(m)))]
    assert not wrong, wrong
