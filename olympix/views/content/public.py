"""What everyone reads: /pages/<slug>, the FAQ and /news, in the person's language."""
from pyramid.view import view_config

from ...models.content import ContentKind
from ...resources.content import FaqPage, NewsFolder, NewsItem, PagesFolder, PublicPage
from ...security.permissions import Permission
from ...services import content

T = "olympix:templates/content/{}.jinja2"


@view_config(context=PagesFolder, renderer=T.format("pages"), permission=Permission.SITE_VIEW)
def pages(context, request):
    lang = content.lang_of(request)
    return {"pages": [(item.slug, content.published_text(item, lang)[0])
                      for item in content.published_pages(request)]}


@view_config(context=PublicPage, renderer=T.format("page"), permission=Permission.SITE_VIEW)
def page(context, request):
    title, body = content.published_text(context.item, content.lang_of(request))
    return {"title": title, "body": body, "updated": context.item.published_at}


@view_config(context=FaqPage, renderer=T.format("faq"), permission=Permission.SITE_VIEW)
def faq(context, request):
    return {"groups": content.faq(request, content.lang_of(request)),
            "news": content.published_pages(request, ContentKind.NEWS)[:3]}


def _paris_day(request, at):
    """The day (Paris, the Games' calendar) something was published, or None."""
    return request.fmt.local(at).date() if at is not None else None


@view_config(context=NewsFolder, renderer=T.format("news"), permission=Permission.SITE_VIEW)
def news(context, request):
    """Published news, newest first, ten a page, in the person's language."""
    try:
        number = int(request.params.get("page", "1")[:6])
    except ValueError:
        number = 1
    lang = content.lang_of(request)
    page = content.news_page(request, number)
    entries = []
    for item in page.items:
        title, body = content.published_text(item, lang)
        entries.append({"slug": item.slug, "title": title, "summary": content.summary(body),
                        "published": _paris_day(request, item.published_at)})

    def page_url(n):
        return request.resource_url(request.root, "news", query={"page": n} if n > 1 else None)

    return {"page": page, "entries": entries, "page_url": page_url}


@view_config(context=NewsItem, renderer=T.format("news_item"), permission=Permission.SITE_VIEW)
def news_item(context, request):
    title, body = content.published_text(context.item, content.lang_of(request))
    return {"title": title, "body": body, "published": _paris_day(request, context.item.published_at)}
