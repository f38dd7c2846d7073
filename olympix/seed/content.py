"""Site pages and the FAQ from ``seed/pages/``, loaded as published content.

Idempotent, like Kotti's populators: an item that exists already (by kind
and slug) is left alone, so running it twice changes nothing and an
editor's later edits are never overwritten.
"""
import json
import os
import re

from sqlalchemy import select

from ..models.content import ContentItem, ContentKind, ContentState, TextStage
from ..services.html import sanitize
from ..interfaces import IClock

PAGES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pages")
PAGE_SLUGS = ("legal-notice", "terms-of-sale", "privacy", "cookies")
FIRST_H2 = re.compile(r"^\s*<h2>(.*?)</h2>\s*", re.DOTALL)


def split_title(html):
    """The leading ``<h2>`` becomes the title; the rest is the body."""
    match = FIRST_H2.match(html)
    if not match:
        return None, html.strip()
    return re.sub(r"<[^>]+>", "", match.group(1)).strip(), html[match.end():].strip()


def _published(request, kind, slug, texts, **fields):
    exists = request.dbsession.scalar(
        select(ContentItem.id).where(ContentItem.kind == kind, ContentItem.slug == slug))
    if exists is not None:
        return False
    at = request.find_service(IClock).now()
    item = ContentItem(kind=kind, slug=slug, state=ContentState.PUBLISHED, created_at=at,
                       updated_at=at, published_at=at, **fields)
    for lang, (title, body) in texts.items():
        for stage in (TextStage.PUBLISHED, TextStage.WORKING):
            item.set_text(lang, stage, title, sanitize(body))
    request.dbsession.add(item)
    return True


def seed(request):
    made = 0
    for slug in PAGE_SLUGS:
        texts = {}
        for lang in ("fr", "en"):
            with open(os.path.join(PAGES_DIR, f"{slug}.{lang}.html"), encoding="utf-8") as fh:
                texts[lang] = split_title(fh.read())
        made += _published(request, ContentKind.PAGE, slug, texts)
    with open(os.path.join(PAGES_DIR, "faq.json"), encoding="utf-8") as fh:
        groups = json.load(fh)["groups"]
    for group in groups:
        for position, entry in enumerate(group["entries"]):
            texts = {lang: (entry["question"][lang], entry["answer"][lang]) for lang in ("fr", "en")}
            made += _published(request, ContentKind.FAQ, entry["slug"], texts,
                               faq_group=group["slug"], position=position)
    request.dbsession.flush()
    return made
