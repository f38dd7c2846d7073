"""What everyone reads: /pages/<slug>, the FAQ, /news, and the /contact form."""
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ...i18n import PARIS, _
from ...models.content import ContentKind
from ...resources.content import (
    ContactFolder,
    FaqPage,
    NewsFolder,
    NewsItem,
    PagesFolder,
    PublicPage,
)
from ...schemas.content import ContactSchema
from ...security.permissions import Permission
from ...services import content as service
from ..forms import FormError, run_form

T = "olympix:templates/content/{}.jinja2"


@view_config(context=PagesFolder, renderer=T.format("pages"), permission=Permission.SITE_VIEW)
def pages(context, request):
    lang = service.lang_of(request)
    listed = [(item.slug, service.published_text(item, lang)[0])
              for item in service.published_pages(request)]
    return {"pages": listed}


@view_config(context=PublicPage, renderer=T.format("page"), permission=Permission.SITE_VIEW)
def page(context, request):
    title, body = service.published_text(context.item, service.lang_of(request))
    return {"title": title, "body": body, "updated": context.item.published_at}


@view_config(context=FaqPage, renderer=T.format("faq"), permission=Permission.SITE_VIEW)
def faq(context, request):
    return {"groups": service.faq(request, service.lang_of(request)),
            "news": service.published_pages(request, ContentKind.NEWS)[:3]}


def _local_day(at):
    return at.astimezone(PARIS) if at is not None and at.tzinfo is not None else at


@view_config(context=NewsFolder, renderer=T.format("news"), permission=Permission.SITE_VIEW)
def news(context, request):
    """Published news, newest first, ten a page, in the person's language."""
    try:
        number = int(request.params.get("page", "1")[:6])
    except ValueError:
        number = 1
    lang = service.lang_of(request)
    page = service.news_page(request, number)
    entries = []
    for item in page.items:
        title, body = service.published_text(item, lang)
        entries.append({"slug": item.slug, "title": title, "summary": service.summary(body),
                        "published": _local_day(item.published_at)})

    def page_url(n):
        return f"{request.application_url}/news" + (f"?page={n}" if n > 1 else "")

    return {"page": page, "entries": entries, "page_url": page_url}


@view_config(context=NewsItem, renderer=T.format("news_item"), permission=Permission.SITE_VIEW)
def news_item(context, request):
    title, body = service.published_text(context.item, service.lang_of(request))
    return {"title": title, "body": body, "published": _local_day(context.item.published_at),
            "news_url": f"{request.application_url}/news"}


def contact_url(request, *elements):
    return request.resource_url(request.root, "contact", *elements)


@view_config(context=ContactFolder, renderer=T.format("contact"), permission=Permission.SITE_VIEW)
def contact(context, request):
    def success(data):
        if data["website"]:
            # A bot filled the hidden field: look like success, keep nothing.
            return HTTPSeeOther(contact_url(request, "@@sent"))
        age = service.stamp_age(request, data["started"])
        if age is None or age > service.MAX_FORM_AGE.total_seconds():
            data["started"] = service.form_stamp(request)
            raise FormError(_("This form has expired. Please check your message and send it again."))
        if age < service.MIN_FILL_SECONDS:
            raise FormError(_("That was quick! Please check your message and send it again."))
        if service.over_limit(request, data["email"], service.client_ip(request)):
            raise FormError(_("You have already sent us several messages in the last hour. "
                              "Please wait a little before writing again."))
        service.store_contact(request, data)
        return HTTPSeeOther(contact_url(request, "@@sent"))

    return run_form(request, ContactSchema(), _("Send"), success)


@view_config(context=ContactFolder, name="sent", renderer=T.format("contact_sent"),
             permission=Permission.SITE_VIEW)
def contact_sent(context, request):
    return {}
