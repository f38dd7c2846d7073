"""Content in the tree: public pages, the contact form, the content back office.

``/pages/<slug>`` (published pages and the FAQ), ``/news`` and
``/news/<slug>`` (published news items), ``/contact``,
``/backoffice/content/<id>`` (one content item under the workflow),
``/backoffice/contact`` (the contact messages' inbox) and
``/backoffice/people/<id>`` (role management).
"""
from ..models import User
from ..models.content import ContentItem, ContentKind
from . import workflow
from .backoffice import BackofficeFolder
from .root import root_child

FAQ_SLUG = "faq"


@root_child("pages")
class PagesFolder:
    """``/pages/<slug>``: a published page, or the FAQ; anything else is a 404."""

    def __init__(self, request):
        self.request = request

    def __getitem__(self, name):
        if name == FAQ_SLUG:
            return FaqPage(self, name)
        item = self.request.dbsession.query(ContentItem).filter_by(
            kind=ContentKind.PAGE, slug=name).one_or_none()
        # Never published: the public must not learn it exists.
        if item is None or not item.is_live:
            raise KeyError(name)
        return PublicPage(item, self, name)


class PublicPage:
    """The published version of a page (``item.text(lang, "published")``)."""

    def __init__(self, item, parent, name):
        self.item, self.__parent__, self.__name__ = item, parent, name


class FaqPage:
    def __init__(self, parent, name):
        self.__parent__, self.__name__ = parent, name


@root_child("news")
class NewsFolder:
    """``/news``: published news items, newest first; ``/news/<slug>``: one of them."""

    def __init__(self, request):
        self.request = request

    def __getitem__(self, name):
        if len(name) > 120:
            raise KeyError(name)
        item = self.request.dbsession.query(ContentItem).filter_by(
            kind=ContentKind.NEWS, slug=name).one_or_none()
        # Never published: the public must not learn it exists.
        if item is None or not item.is_live:
            raise KeyError(name)
        return NewsItem(item, self, name)


class NewsItem:
    """The published version of a news item (a pending edit stays out of sight)."""

    def __init__(self, item, parent, name):
        self.item, self.__parent__, self.__name__ = item, parent, name


@root_child("contact")
class ContactFolder:
    """``/contact``: the contact form; open to everyone (root grants SITE_VIEW)."""

    def __init__(self, request):
        self.request = request


@BackofficeFolder.child("content")
class ContentFolder:
    """``/backoffice/content``: editors' tasks, new content, the validation queue."""

    def __init__(self, request):
        self.request = request

    def __getitem__(self, name):
        if not name.isdigit() or len(name) > 12:
            raise KeyError(name)
        item = self.request.dbsession.get(ContentItem, int(name))
        if item is None:
            raise KeyError(name)
        return ContentTask(item, self)


class ContentTask:
    """One content item in the back office; its ACL follows its workflow state."""

    def __init__(self, item, parent):
        self.item = item
        self.__parent__ = parent
        self.__name__ = str(item.id)

    @property
    def __acl__(self):
        return workflow.acl_for(self.item.state)


@BackofficeFolder.child("contact")
class ContactInbox:
    """``/backoffice/contact``: messages sent through /contact, newest first.

    Root grants managers ``contact:message:read`` (administrators hold everything).
    """

    def __init__(self, request):
        self.request = request


@BackofficeFolder.child("people")
class PeopleFolder:
    """``/backoffice/people``: find people and change their role.

    Root grants managers ROLE_GRANT_EDITOR and administrators everything;
    which roles a change may touch is decided in services/content.py with
    ROLE_GRANT_ANY, still through the ACL.
    """

    def __init__(self, request):
        self.request = request

    def __getitem__(self, name):
        if not name.isdigit() or len(name) > 12:
            raise KeyError(name)
        user = self.request.dbsession.get(User, int(name))
        if user is None:
            raise KeyError(name)
        return Person(user, self)


class Person:
    def __init__(self, user, parent):
        self.user = user
        self.__parent__ = parent
        self.__name__ = str(user.id)
