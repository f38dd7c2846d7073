"""Plain-text helpers shared by the services and the demo data."""
import re
import unicodedata


def slugify(text, max_length=100):
    """An address segment from a title: "Escrime : sabre" → "escrime-sabre".

    Accents are folded to ASCII; anything else that is not a letter or a
    digit becomes one hyphen. May be empty (a title of only symbols).
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:max_length].rstrip("-")
