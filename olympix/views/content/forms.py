"""The forms that write content: a new page, FAQ entry or news item, a new
event, an event's texts, an edit, and the reviewer's note.

Each is a ``FormView``: a schema, a button and what to do with valid data.
A service saves; the view then applies the workflow (``workflow.edited``
after a save, ``workflow.transition`` for the reviewer's decision).
"""
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ...i18n import _
from ...models.content import ContentKind
from ...resources import workflow
from ...resources.content import ContentFolder, ContentTask
from ...schemas import content as schemas
from ...security.permissions import Permission
from ...services import content, event_drafts
from ..forms import FormError, FormView, flash
from ..inline_forms import InlineFormView
from .backoffice import transition

FORM = "olympix:templates/content/form.jinja2"
SCHEMAS = {
    ContentKind.PAGE: schemas.PageSchema,
    ContentKind.FAQ: schemas.FaqSchema,
    ContentKind.NEWS: schemas.NewsSchema,
    ContentKind.EVENT: schemas.EventTextsSchema,
}
NEW_TITLES = {
    ContentKind.PAGE: _("New page"),
    ContentKind.FAQ: _("New FAQ entry"),
    ContentKind.NEWS: _("New news item"),
}
SLUG_TAKEN = _("This address is already used: choose another one.")
SAVED_DRAFT = _("Saved as a draft. Submit it for validation when it is ready.")
SAVED_CHANGES = _("Your changes are saved. Submit them for validation when they are ready.")


class ContentForm(FormView):
    """A content form page: a title (and a subtitle) above the form; saves a draft."""

    button = _("Save the draft")
    title = None

    def subtitle(self):
        return None

    def values(self):
        # The titles are message ids: the page gets them in the reader's language.
        return {"title": self.request.localizer.translate(self.title), "subtitle": self.subtitle()}

    def to_task(self, task, message):
        flash(self.request, message)
        return HTTPSeeOther(self.request.resource_url(task))


@view_config(context=ContentFolder, name="new", renderer=FORM, permission=Permission.CONTENT_EDIT)
class NewItemForm(ContentForm):
    """``@@new?kind=page|faq|news``: a draft of that kind."""

    @property
    def kind(self):
        kind = self.request.params.get("kind")
        if kind not in NEW_TITLES:
            raise HTTPNotFound()
        return kind

    @property
    def title(self):
        return NEW_TITLES[self.kind]

    def schema(self):
        return SCHEMAS[self.kind]()

    def success(self, data):
        if content.slug_taken(self.request, self.kind, data["slug"]):
            raise FormError(SLUG_TAKEN, "slug")
        item = content.new_item(self.request, self.kind, data)
        return self.to_task(self.context.task(item), SAVED_DRAFT)


@view_config(context=ContentFolder, name="new-event", renderer=FORM, permission=Permission.CONTENT_EDIT)
class NewEventForm(ContentForm):
    """A new session, hidden from the public until a manager approves it."""

    schema_class = schemas.EventSchema
    title = _("New event")

    def success(self, data):
        item = event_drafts.new_event(self.request, data)
        return self.to_task(self.context.task(item), _(
            "The event is saved as a draft: nobody sees it until a manager approves it. "
            "Submit it for validation when it is ready."))


@view_config(context=ContentFolder, name="event", renderer=FORM, permission=Permission.CONTENT_EDIT)
class EventTextsForm(ContentForm):
    """``@@event?id=``: the first working copy of an existing event's texts."""

    schema_class = schemas.EventTextsSchema
    title = _("Texts of an event")

    def __call__(self):
        self.event = content.event_by_id(self.request, self.request.params.get("id", ""))
        if self.event is None:
            raise HTTPNotFound()
        existing = content.event_item(self.request, self.event)
        if existing is not None:
            return HTTPSeeOther(self.request.resource_url(self.context.task(existing), "@@edit"))
        return super().__call__()

    def subtitle(self):
        return self.event.title(content.lang_of(self.request))

    def appstruct(self):
        return content.event_texts(self.event)

    def success(self, data):
        item = content.new_item(self.request, ContentKind.EVENT, data, event=self.event)
        return self.to_task(self.context.task(item), SAVED_DRAFT)


@view_config(context=ContentTask, name="edit", renderer=FORM, permission=Permission.CONTENT_EDIT)
class EditForm(ContentForm):
    """The working copy of an item; a new event not yet approved: every detail too."""

    title = _("Edit")

    def __init__(self, context, request):
        super().__init__(context, request)
        self.item = context.item
        self.draft_event = event_drafts.is_draft_event(self.item)

    def subtitle(self):
        return content.label(self.item, content.lang_of(self.request))

    def schema(self):
        return schemas.EventSchema() if self.draft_event else SCHEMAS[self.item.kind]()

    def appstruct(self):
        if self.draft_event:
            return event_drafts.event_form_values(self.item)
        return content.form_values(self.item)

    def success(self, data):
        request, item = self.request, self.item
        if self.draft_event:
            event_drafts.save_event(request, item, data)
        else:
            if data.get("slug") and content.slug_taken(request, item.kind, data["slug"], exclude=item):
                raise FormError(SLUG_TAKEN, "slug")
            content.save_item(request, item, data)
        workflow.edited(self.context, request)
        return self.to_task(self.context, SAVED_CHANGES)


@view_config(context=ContentTask, name="reject", request_method="POST",
             permission=Permission.CONTENT_PUBLISH)
class RejectForm(InlineFormView):
    """The reviewer's note, posted from the queue or the task: sends the item back."""

    schema_class = schemas.RejectSchema
    invalid = _("Say what to change (at most 2000 characters) to send it back.")

    def back(self):
        return self.request.resource_url(self.context.__parent__, "@@queue")

    def success(self, data):
        return transition(self.context, self.request, "reject", _("Sent back to the editor with your note."),
                          note=data["note"], back=self.back())
