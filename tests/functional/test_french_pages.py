"""No English on French pages: render the main pages in French, look for the catalogue's English message ids.

A message id is looked for when its French differs (``Solo`` is ``Solo`` in
both); placeholders split it into the pieces looked for. Text and the
attributes people read (title, aria-label, placeholder, alt, value of
buttons) are searched, not the markup.
"""
import re

from bs4 import BeautifulSoup

from olympix.i18n import load_catalogue
from tests.functional.test_html_valid import demo, pages_of
from tests.functional.helpers import sign_in

PLACEHOLDER = re.compile(r"%\(\w+\)s|\$\{\w+\}|%s|%d")
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
# Words that are the same in both languages, or names, when alone.
SAME_IN_BOTH = {"Menu", "Page", "Contact", "Photo", "Sport", "Total", "Code", "Note", "Type", "Porte"}


def english_pieces():
    """Regular expressions for the English of every message whose French is different."""
    french = load_catalogue("fr")
    pieces = set()
    for key, translated in french._catalog.items():
        msgid = key[0] if isinstance(key, tuple) else key
        msgid = msgid.rpartition("\x04")[2]
        if not msgid or translated == msgid or not isinstance(translated, str):
            continue
        for piece in PLACEHOLDER.split(msgid):
            piece = piece.strip(" .,:;()«»—-·")
            words = piece.split()
            if len(words) >= 2 or (len(words) == 1 and len(piece) >= 5 and piece not in SAME_IN_BOTH):
                pieces.add(piece)
    return [(piece, re.compile(rf"(?<![\w-]){re.escape(piece)}(?![\w-])")) for piece in sorted(pieces)]


def read_text(html):
    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup(["script", "style", "template"]):
        hidden.decompose()
    attrs = [el.get(a) for el in soup.find_all(True) for a in READ_ATTRIBUTES if el.get(a)]
    return " ".join(soup.get_text(" ").split() + attrs)


def test_french_pages_show_no_english_message(app, testapp, dbsession):
    demo(app)
    pieces = english_pieces()
    found = []
    for role, paths in pages_of(testapp, dbsession):
        testapp.reset()
        testapp.set_cookie("olympix_lang", "fr")
        if role:
            sign_in(testapp, f"{role}@demo.olympix.test", password="olympix-demo")
        for path in paths:
            response = testapp.get(path, status=(200, 302, 303))
            response = response.follow() if response.status_int != 200 else response
            text = read_text(response.text)
            found += [f"{role or 'visitor'} {path}: {piece!r}" for piece, rx in pieces if rx.search(text)]
    assert not found, "English on French pages:\n" + "\n".join(found)


def test_sport_pictures_are_named_in_the_readers_language(app, testapp, dbsession):
    demo(app)
    sign_in(testapp, "editor@demo.olympix.test", password="olympix-demo")
    names = {}
    for lang in ("fr", "en"):
        testapp.set_cookie("olympix_lang", lang)
        page = testapp.get("/backoffice/content/@@new-event")
        names[lang] = [o.text for o in page.html.select("select[name=image] option")]
    assert "Athlétisme" in names["fr"] and "Tir à l'arc" in names["fr"] and "athletics" not in names["fr"]
    assert "Athletics" in names["en"]
