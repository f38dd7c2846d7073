"""``/backoffice/content``: editors write and submit, managers validate.

Permissions come from the ACLs (the task's follows its workflow state);
every state change goes through ``workflow.transition``.
"""
import colander
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config, view_defaults

from ...i18n import _
from ...models.catalogue import Event
from ...models.content import ContentKind, ContentState
from ...resources import workflow
from ...resources.content import ContentFolder, ContentTask
from ...schemas import content as schemas
from ...security.permissions import Permission
from ...services import content as service
from ..forms import FormError, flash, run_form

T = "olympix:templates/content/{}.jinja2"
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


def task_url(request, item, *elements):
    return request.resource_url(request.root, "backoffice", "content", str(item.id), *elements)


def folder_url(request, *elements, **query):
    return request.resource_url(request.root, "backoffice", "content", *elements,
                                query=query or None)


@view_defaults(context=ContentFolder, permission=Permission.CONTENT_EDIT)
class ContentFolderViews:
    def __init__(self, context, request):
        self.context = context
        self.request = request

    @view_config(renderer=T.format("dashboard"))
    def dashboard(self):
        request = self.request
        return {
            "mine": service.items(request, editor=request.identity),
            "all": service.items(request),
            "pending_count": len(service.items(request, state=ContentState.PENDING)),
            "can_publish": request.has_permission(Permission.CONTENT_PUBLISH, self.context),
            "can_manage_people": request.has_permission(Permission.ROLE_GRANT_EDITOR, request.root),
        }

    @view_config(name="new", renderer=T.format("form"))
    def new(self):
        request = self.request
        kind = request.params.get("kind")
        if kind not in NEW_TITLES:
            raise HTTPNotFound()

        def success(data):
            if service.slug_taken(request, kind, data["slug"]):
                raise FormError(SLUG_TAKEN, "slug")
            item = service.new_item(request, kind, data)
            flash(request, _("Saved as a draft. Submit it for validation when it is ready."))
            return HTTPSeeOther(task_url(request, item))

        values = run_form(request, SCHEMAS[kind](), _("Save the draft"), success)
        return _page(values, NEW_TITLES[kind])

    @view_config(name="new-event", renderer=T.format("form"))
    def new_event(self):
        request = self.request

        def success(data):
            item = service.new_event(request, data)
            flash(request, _("The event is saved as a draft: nobody sees it until a manager approves it. "
                             "Submit it for validation when it is ready."))
            return HTTPSeeOther(task_url(request, item))

        values = run_form(request, schemas.EventSchema(), _("Save the draft"), success)
        return _page(values, _("New event"))

    @view_config(name="events", renderer=T.format("events"))
    def events(self):
        tasks = {item.event_id: item for item in service.items(self.request, kind=ContentKind.EVENT)}
        return {"events": service.events(self.request), "tasks": tasks}

    @view_config(name="event", renderer=T.format("form"))
    def event(self):
        request = self.request
        event_id = request.params.get("id", "")
        event = request.dbsession.get(Event, int(event_id)) if event_id.isdigit() and \
            len(event_id) < 12 else None
        if event is None:
            raise HTTPNotFound()
        existing = service.event_item(request, event)
        if existing is not None:
            return HTTPSeeOther(task_url(request, existing, "@@edit"))

        def success(data):
            item = service.new_item(request, ContentKind.EVENT, data, event=event)
            flash(request, _("Saved as a draft. Submit it for validation when it is ready."))
            return HTTPSeeOther(task_url(request, item))

        values = run_form(request, schemas.EventTextsSchema(), _("Save the draft"), success, appstruct={
            "title_fr": event.title_fr, "title_en": event.title_en,
            "body_fr": event.description_fr, "body_en": event.description_en})
        return _page(values, _("Texts of an event"), event.title(service.lang_of(request)))

    @view_config(name="queue", renderer=T.format("queue"), permission=Permission.CONTENT_PUBLISH)
    def queue(self):
        request = self.request
        pending = service.items(request, state=ContentState.PENDING)
        reject_form = schemas.RejectSchema().bind(request=request)
        return {"tasks": [(item, service.diff(item)) for item in pending],
                "csrf_token": reject_form["csrf_token"].default}


@view_defaults(context=ContentTask)
class ContentTaskViews:
    def __init__(self, context, request):
        self.context = context
        self.request = request
        self.item = context.item

    @view_config(renderer=T.format("task"), permission=Permission.CONTENT_VIEW)
    def view(self):
        request = self.request
        return {"item": self.item, "diff": service.diff(self.item),
                "actions": workflow.available(self.context, request),
                "can_edit": request.has_permission(Permission.CONTENT_EDIT, self.context)}

    @view_config(name="edit", renderer=T.format("form"), permission=Permission.CONTENT_EDIT)
    def edit(self):
        request, item = self.request, self.item
        if service.is_draft_event(item):
            return self._edit_draft_event()

        def success(data):
            if data.get("slug") and service.slug_taken(request, item.kind, data["slug"], exclude=item):
                raise FormError(SLUG_TAKEN, "slug")
            service.save_item(request, self.context, data)
            flash(request, _("Your changes are saved. Submit them for validation when they are ready."))
            return HTTPSeeOther(task_url(request, item))

        values = run_form(request, SCHEMAS[item.kind](), _("Save the draft"), success,
                          appstruct=service.form_values(item))
        return _page(values, _("Edit"), service.label(item, service.lang_of(request)))

    def _edit_draft_event(self):
        """A new event not yet approved: every detail may still change, not only its texts."""
        request, item = self.request, self.item

        def success(data):
            service.save_event(request, self.context, data)
            flash(request, _("Your changes are saved. Submit them for validation when they are ready."))
            return HTTPSeeOther(task_url(request, item))

        values = run_form(request, schemas.EventSchema(), _("Save the draft"), success,
                          appstruct=service.event_form_values(item))
        return _page(values, _("Edit"), service.label(item, service.lang_of(request)))

    @view_config(name="submit", request_method="POST", permission=Permission.CONTENT_EDIT)
    def submit(self):
        return self._transition("submit", _("Submitted: a manager will review it."))

    @view_config(name="approve", request_method="POST", permission=Permission.CONTENT_PUBLISH)
    def approve(self):
        return self._transition("approve", _("Approved: it is now on the public site."),
                                back=folder_url(self.request, "@@queue"))

    @view_config(name="reject", request_method="POST", permission=Permission.CONTENT_PUBLISH)
    def reject(self):
        request = self.request
        try:
            data = schemas.RejectSchema().bind(request=request).deserialize(
                {"note": request.POST.get("note", "")})
        except colander.Invalid:
            flash(request, _("Say what to change (at most 2000 characters) to send it back."), "error")
            return HTTPSeeOther(folder_url(request, "@@queue"))
        return self._transition("reject", _("Sent back to the editor with your note."),
                                note=data["note"], back=folder_url(request, "@@queue"))

    def _transition(self, name, message, note=None, back=None):
        request = self.request
        try:
            workflow.transition(self.context, request, name, note=note)
        except workflow.WorkflowError:
            flash(request, _("This action does not apply to the item in its current state."), "error")
            return HTTPSeeOther(task_url(request, self.item))
        flash(request, message)
        return HTTPSeeOther(back or task_url(request, self.item))


def _page(values, title, subtitle=None):
    if isinstance(values, dict):
        values.update(title=title, subtitle=subtitle)
    return values


# Keeps Pyramid from answering a GET on a POST-only action with a 404 page
# that looks like a bug: say it is the wrong method.
@view_config(context=ContentTask, name="approve", request_method="GET",
             permission=Permission.CONTENT_VIEW)
@view_config(context=ContentTask, name="reject", request_method="GET",
             permission=Permission.CONTENT_VIEW)
@view_config(context=ContentTask, name="submit", request_method="GET",
             permission=Permission.CONTENT_VIEW)
def post_only(context, request):
    raise HTTPBadRequest()
