"""Content in the tree: public pages, news, the contact form, the content back office.

``/pages/<slug>`` (published pages and the FAQ), ``/news`` and
``/news/<slug>`` (published news items), ``/contact``,
``/backoffice/content/<id>`` (one content item under the workflow) and
``/backoffice/contact`` (the contact messages' inbox). People and roles,
``/backoffice/people``, are in ``resources/people.py``.
"""
from sqlalchemy import select

from ..models.content import ContentItem, ContentKind
from . import workflow
from .backoffice import BackofficeFolder
from .base import Container, Item, row_id
from .root import root_child

FAQ_SLUG = "faq"
MAX_SLUG = 120


class _ContentItem(Item):
    """A content row in the tree; ``item`` is its row."""

    @property
    def item(self):
        return self.row


def _published(request, kind, slug):
    """The live item of ``kind`` called ``slug``: a draft does not exist for the public."""
    if len(slug) > MAX_SLUG:
        raise KeyError(slug)
    item = request.dbsession.scalar(
        select(ContentItem).where(ContentItem.kind == kind, ContentItem.slug == slug))
    # Never published: the public must not learn it exists.
    if item is None or not item.is_live:
        raise KeyError(slug)
    return item


@root_child("pages")
class PagesFolder(Container):
    """``/pages/<slug>``: a published page, or the FAQ; anything else is a 404."""

    def load(self, name):
        return PublicPage(_published(self.request, ContentKind.PAGE, name), self, name)


class PublicPage(_ContentItem):
    """The published version of a page (``item.text(lang, "published")``)."""


@PagesFolder.child(FAQ_SLUG)
class FaqPage(Container):
    """``/pages/faq``: every published FAQ entry, by group."""


@root_child("news")
class NewsFolder(Container):
    """``/news``: published news items, newest first; ``/news/<slug>``: one of them."""

    def load(self, name):
        return NewsItem(_published(self.request, ContentKind.NEWS, name), self, name)


class NewsItem(_ContentItem):
    """The published version of a news item (a pending edit stays out of sight)."""


@root_child("contact")
class ContactFolder(Container):
    """``/contact``: the contact form; open to everyone (root grants SITE_VIEW)."""


@BackofficeFolder.child("content")
class ContentFolder(Container):
    """``/backoffice/content``: editors' tasks, new content, the validation queue."""

    def load(self, name):
        item = self.request.dbsession.get(ContentItem, row_id(name))
        if item is None:
            raise KeyError(name)
        return self.task(item)

    def task(self, item):
        """The resource of one content item (for its address and its ACL)."""
        return ContentTask(item, self)


class ContentTask(_ContentItem):
    """One content item in the back office; its ACL follows its workflow state."""

    @property
    def __acl__(self):
        return workflow.acl_for(self.row.state)


@BackofficeFolder.child("contact")
class ContactInbox(Container):
    """``/backoffice/contact``: messages sent through /contact, newest first.

    Root grants managers ``contact:message:read`` (administrators hold everything).
    """
