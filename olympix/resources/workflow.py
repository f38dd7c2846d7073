"""The editorial workflow, substanced-style: states grant ACL entries,
transitions need a permission, and ``transition()`` is the one way to move.

    draft ──submit──▶ pending ──approve──▶ published
      ▲                  │                    │
      │               reject                revise (an editor saves a change)
      │                  ▼                    │
      └──(save)──── rejected ◀────────────────┘ (to draft)

A content resource's ``__acl__`` is ``acl_for(item.state)`` followed by
what its parents grant: while an item is pending nobody edits it (what
the manager reviews is what gets published), and only a pending item can
be approved or rejected. Views never check roles; they call
``transition()``, which checks the permission on the context itself (and
``edited()`` after a service saved a working copy).
"""
from dataclasses import dataclass, field

from pyramid.authorization import Allow, Deny, Everyone
from pyramid.httpexceptions import HTTPForbidden

from ..events import ContentTransitioned
from ..interfaces import IClock
from ..models.catalogue import EventState
from ..models.content import ContentHistory, ContentState
from ..security import principals as p
from ..security.permissions import Permission as P


class WorkflowError(Exception):
    """A transition that does not apply to the item's current state."""


@dataclass(frozen=True)
class State:
    name: str
    acl: tuple


@dataclass(frozen=True)
class Transition:
    name: str
    from_states: tuple
    to_state: str
    permission: str
    note_required: bool = False
    audit_action: str | None = None
    # callable(item) run before the move; what it returns ({name: [old, new]}
    # of the event's settings it changed) goes with the event to the audit log.
    apply: object = field(default=None, compare=False)


def publish_working_copy(item):
    """Copy the working texts onto the published ones (for events, the Event row).

    An event's working gate settings (phone-only, when tickets appear) go
    onto its row too; returns those that changed. A new event, made in the
    back office as a draft, goes public here: its Event's ACL then lets
    everyone see it and buy.
    """
    for text in list(item.texts):
        if text.stage == "working":
            item.set_text(text.lang, "published", text.title, text.body)
    changed = item.publish_settings()
    if item.event is not None and item.event.state == EventState.DRAFT:
        item.event.state = EventState.PUBLISHED
    return changed


STATES = {
    ContentState.DRAFT: State(ContentState.DRAFT, (
        (Allow, p.EDITOR, P.CONTENT_EDIT),
        (Deny, Everyone, P.CONTENT_PUBLISH),
    )),
    ContentState.PENDING: State(ContentState.PENDING, (
        (Allow, p.MANAGER, P.CONTENT_PUBLISH),
        (Deny, Everyone, P.CONTENT_EDIT),
    )),
    ContentState.PUBLISHED: State(ContentState.PUBLISHED, (
        (Allow, p.EDITOR, P.CONTENT_EDIT),
        (Deny, Everyone, P.CONTENT_PUBLISH),
    )),
    ContentState.REJECTED: State(ContentState.REJECTED, (
        (Allow, p.EDITOR, P.CONTENT_EDIT),
        (Deny, Everyone, P.CONTENT_PUBLISH),
    )),
}

TRANSITIONS = {
    "submit": Transition("submit", (ContentState.DRAFT, ContentState.REJECTED),
                         ContentState.PENDING, P.CONTENT_EDIT),
    "approve": Transition("approve", (ContentState.PENDING,), ContentState.PUBLISHED,
                          P.CONTENT_PUBLISH, audit_action="content.publish",
                          apply=publish_working_copy),
    "reject": Transition("reject", (ContentState.PENDING,), ContentState.REJECTED,
                         P.CONTENT_PUBLISH, note_required=True, audit_action="content.reject"),
    # An editor changing something already published starts a new working
    # copy; the published texts stay as they are until the next approval.
    "revise": Transition("revise", (ContentState.PUBLISHED,), ContentState.DRAFT, P.CONTENT_EDIT),
}


# Every state lets the editorial staff (managers carry the editor
# principal) read the item in the back office, whatever else it grants.
COMMON_ACL = ((Allow, p.EDITOR, P.CONTENT_VIEW),)


def acl_for(state):
    """The ACL entries the state grants or denies (unknown state: nothing allowed)."""
    found = STATES.get(state)
    if found is None:
        return [*COMMON_ACL, (Deny, Everyone, (P.CONTENT_EDIT, P.CONTENT_PUBLISH))]
    return [*COMMON_ACL, *found.acl]


def available(context, request):
    """Names of the transitions this person may apply to the context now."""
    state = context.item.state
    return [t.name for t in TRANSITIONS.values()
            if state in t.from_states and request.has_permission(t.permission, context)]


def transition(context, request, name, note=None):
    """Apply transition ``name`` to ``context.item``; record history, fire the event.

    The audit log subscribes to ``ContentTransitioned`` (services/audit.py):
    the tree records what happened and never calls a service itself.

    Raises WorkflowError when it does not apply to the current state (or a
    required note is missing), HTTPForbidden when the person lacks its
    permission on the context.
    """
    item = context.item
    chosen = TRANSITIONS.get(name)
    if chosen is None or item.state not in chosen.from_states:
        raise WorkflowError(f"cannot {name} an item in state {item.state}")
    if not request.has_permission(chosen.permission, context):
        raise HTTPForbidden()
    note = (note or "").strip() or None
    if chosen.note_required and not note:
        raise WorkflowError(f"{name} needs a note")
    now = request.find_service(IClock).now()
    actor = getattr(request, "identity", None)
    before = item.state
    changes = chosen.apply(item) if chosen.apply is not None else None
    item.state = chosen.to_state
    item.updated_at = now
    if chosen.name == "approve":
        item.published_at = now
    if chosen.name in ("approve", "reject"):
        item.reviewer_note = note
    item.history.append(ContentHistory(
        at=now, actor_id=actor.id if actor is not None else None, transition=chosen.name,
        from_state=before, to_state=chosen.to_state, note=note))
    request.registry.notify(ContentTransitioned(
        request=request, item=item, transition=chosen.name, from_state=before,
        to_state=chosen.to_state, note=note, audit_action=chosen.audit_action, changes=changes or {}))
    return chosen.to_state


def edited(context, request):
    """After a save: a published item starts a new working copy ("revise").

    The published texts stay as they are until a manager approves the
    change; other states stay where they are (a draft is still a draft).
    """
    if context.item.state in TRANSITIONS["revise"].from_states:
        transition(context, request, "revise")
