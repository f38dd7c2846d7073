"""``/backoffice/content``: editors write and submit, managers validate.

Permissions come from the ACLs (the task's follows its workflow state);
every state change goes through ``workflow.transition``. The forms that
write content are in ``forms.py``; this module lists and shows content and
applies the transitions that need no form.
"""
from dataclasses import dataclass

from pyramid.httpexceptions import HTTPBadRequest, HTTPSeeOther
from pyramid.view import view_config, view_defaults

from ...formatting import venue_zone
from ...i18n import _, translate
from ...models.catalogue import EventState
from ...models.content import ContentItem, ContentKind, ContentState
from ...resources import workflow
from ...resources.content import ContentFolder, ContentTask
from ...security.permissions import Permission
from ...services import catalogue, content, event_settings
from ..forms import flash

T = "olympix:templates/content/{}.jinja2"


@dataclass(frozen=True)
class TaskRow:
    """One content item as the back office lists it: its resource and its names."""

    task: ContentTask
    item: ContentItem
    label: str
    kind: str
    state: str
    state_name: str
    updated: str


def task_row(request, task):
    item = task.item
    return TaskRow(task=task, item=item, label=content.label(item, request.locale_name),
                   kind=translate(request, content.KIND_NAMES.get(item.kind, item.kind)),
                   state=item.state,
                   state_name=translate(request, content.STATE_NAMES.get(item.state, item.state)),
                   updated=request.fmt.datetime(item.updated_at, "numeric"))


def task_rows(request, folder, items):
    return [task_row(request, folder.task(item)) for item in items]


def event_facts(request, event):
    """What a manager approves of a new event besides its texts, ready to show."""
    fmt, lang, tz = request.fmt, content.lang_of(request), venue_zone(event.venue)
    return {
        "sport": event.sport.name(lang),
        "venue": f"{event.venue.name(lang)} ({event.venue.city})",
        "when": f"{fmt.datetime(event.starts_at, 'short', tz=tz)} – {fmt.time(event.ends_at, tz=tz, zone=True)}",
        "capacity": fmt.count(event.capacity),
        "offers": " · ".join(f"{fmt.offer_name(o.kind)} {fmt.money(o.price_cents)}" for o in event.offers),
        "image": catalogue.image_url(request, event),
    }


def draft_event_facts(request, item):
    """The facts of a new event awaiting approval, or None for any other item."""
    if item.event is None or item.event.state != EventState.DRAFT:
        return None
    return event_facts(request, item.event)


@view_defaults(context=ContentFolder, permission=Permission.CONTENT_EDIT)
class ContentFolderViews:
    def __init__(self, context, request):
        self.context = context
        self.request = request

    @view_config(renderer=T.format("dashboard"))
    def dashboard(self):
        request = self.request
        return {
            "mine": task_rows(request, self.context, content.items(request, editor=request.identity)),
            "all": task_rows(request, self.context, content.items(request)),
            "pending_count": content.pending_count(request),
            "can_publish": request.has_permission(Permission.CONTENT_PUBLISH, self.context),
        }

    @view_config(name="events", renderer=T.format("events"))
    def events(self):
        request, fmt = self.request, self.request.fmt
        rows = []
        for event, item in content.events_with_texts(request):
            task = self.context.task(item) if item is not None else None
            rows.append({
                "title": event.title(request.locale_name),
                "when": fmt.datetime(event.starts_at, "numeric", tz=venue_zone(event.venue), zone=True),
                "url": request.resource_url(task) if task is not None else
                request.resource_url(self.context, "@@event", query={"id": event.id}),
                "task": task_row(request, task) if task is not None else None,
            })
        return {"events": rows}

    @view_config(name="queue", renderer=T.format("queue"), permission=Permission.CONTENT_PUBLISH)
    def queue(self):
        request = self.request
        tasks = []
        for row in task_rows(request, self.context, content.items(request, state=ContentState.PENDING)):
            history = row.item.history
            tasks.append({
                "row": row, "diff": content.diff(row.item), "facts": draft_event_facts(request, row.item),
                "settings": event_settings.describe(request, row.item),
                "submitted": request.fmt.datetime(row.item.updated_at, "numeric", zone=True),
                "by": history[-1].actor.full_name if history and history[-1].actor else "",
            })
        return {"tasks": tasks}


@view_defaults(context=ContentTask)
class ContentTaskViews:
    def __init__(self, context, request):
        self.context = context
        self.request = request
        self.item = context.item

    @view_config(renderer=T.format("task"), permission=Permission.CONTENT_VIEW)
    def view(self):
        request, item, fmt = self.request, self.item, self.request.fmt
        public_url = None
        if item.kind == ContentKind.PAGE and item.published_at:
            public_url = request.resource_url(request.root, "pages", item.slug)
        history = [{
            "when": fmt.datetime(entry.at, "numeric"),
            "who": entry.actor.full_name if entry.actor else "—",
            "decision": translate(request, content.TRANSITION_NAMES.get(entry.transition, entry.transition)),
            "note": entry.note or "",
        } for entry in reversed(item.history)]
        group = content.FAQ_GROUP_NAMES.get(item.faq_group) if item.kind == ContentKind.FAQ else None
        return {"row": task_row(request, self.context), "item": item,
                "diff": content.diff(item), "facts": draft_event_facts(request, item),
                "settings": event_settings.describe(request, item),
                "history": history, "public_url": public_url,
                "faq_group": translate(request, group) if group else (item.faq_group or ""),
                "actions": workflow.available(self.context, request),
                "can_edit": request.has_permission(Permission.CONTENT_EDIT, self.context)}

    @view_config(name="submit", request_method="POST", permission=Permission.CONTENT_EDIT)
    def submit(self):
        return transition(self.context, self.request, "submit", _("Submitted: a manager will review it."))

    @view_config(name="approve", request_method="POST", permission=Permission.CONTENT_PUBLISH)
    def approve(self):
        return transition(self.context, self.request, "approve", _("Approved: it is now on the public site."),
                          back=self.request.resource_url(self.context.__parent__, "@@queue"))


def transition(context, request, name, message, note=None, back=None):
    """Apply a workflow transition and say so; back to the task when it does not apply."""
    try:
        workflow.transition(context, request, name, note=note)
    except workflow.WorkflowError:
        flash(request, _("This action does not apply to the item in its current state."), "error")
        return HTTPSeeOther(request.resource_url(context))
    flash(request, message)
    return HTTPSeeOther(back or request.resource_url(context))


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
