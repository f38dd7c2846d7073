"""The editorial workflow: ACL per state, transitions, history and audit, no DB."""
from types import SimpleNamespace

import pytest
from pyramid import testing
from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.httpexceptions import HTTPForbidden
from pyramid.request import apply_request_extensions

from olympix.events import ContentTransitioned
from olympix.models.content import ContentItem, ContentKind, ContentState, TextStage
from olympix.resources import workflow
from olympix.resources.content import ContentFolder, ContentTask
from olympix.resources.root import Root
from olympix.security.permissions import Permission as P
from olympix.security.principals import principals_for
from olympix.services.clock import FakeClock
from olympix.interfaces import IClock


class RolePolicy:
    """Principals of the person in ``request.identity`` (or anonymous), checked by ACLHelper."""

    def identity(self, request):
        return getattr(request, "person", None)

    def permits(self, request, context, permission):
        principals = [Everyone]
        person = getattr(request, "person", None)
        if person is not None:
            principals += [Authenticated, *principals_for(person.role)]
        return ACLHelper().permits(context, principals, permission)


@pytest.fixture
def config():
    config = testing.setUp()
    config.include("pyramid_services")
    config.register_service(FakeClock(), IClock)
    config.set_security_policy(RolePolicy())
    yield config
    testing.tearDown()


@pytest.fixture
def audited(config):
    """The audit entries the workflow's events ask for, instead of rows in a database."""
    entries = []

    def subscriber(event):
        if event.audit_action:
            entries.append((event.audit_action, "content", event.item.id,
                            {"kind": event.item.kind, "slug": event.item.slug, "note": event.note}))

    config.add_subscriber(subscriber, ContentTransitioned)
    return entries


def request_as(config, role, user_id=7):
    request = testing.DummyRequest()
    request.registry = config.registry
    apply_request_extensions(request)  # find_service, from pyramid_services
    request.person = SimpleNamespace(id=user_id, role=role) if role else None
    return request


def task(state=ContentState.DRAFT):
    item = ContentItem(id=1, kind=ContentKind.PAGE, slug="faq-hours", state=state)
    item.set_text("fr", TextStage.WORKING, "Horaires", "<p>9 h – 18 h</p>")
    item.set_text("en", TextStage.WORKING, "Hours", "<p>9am – 6pm</p>")
    folder = Root(None)["backoffice"]["content"]
    assert isinstance(folder, ContentFolder)
    return folder.task(item)


@pytest.mark.parametrize("state, role, permission, allowed", [
    (ContentState.DRAFT, "editor", P.CONTENT_EDIT, True),
    (ContentState.DRAFT, "manager", P.CONTENT_PUBLISH, False),
    (ContentState.PENDING, "editor", P.CONTENT_EDIT, False),
    (ContentState.PENDING, "admin", P.CONTENT_EDIT, False),
    (ContentState.PENDING, "editor", P.CONTENT_PUBLISH, False),
    (ContentState.PENDING, "manager", P.CONTENT_PUBLISH, True),
    (ContentState.PUBLISHED, "editor", P.CONTENT_EDIT, True),
    (ContentState.REJECTED, "editor", P.CONTENT_VIEW, True),
    (ContentState.DRAFT, "user", P.CONTENT_VIEW, False),
    (ContentState.DRAFT, "agent", P.CONTENT_EDIT, False),
    (ContentState.DRAFT, None, P.CONTENT_VIEW, False),
])
def test_the_acl_follows_the_state(config, state, role, permission, allowed):
    assert bool(request_as(config, role).has_permission(permission, task(state))) is allowed


def test_submit_then_approve_publishes_the_working_copy(config, audited):
    context = task()
    editor, manager = request_as(config, "editor", 1), request_as(config, "manager", 2)
    assert workflow.available(context, editor) == ["submit"]
    workflow.transition(context, editor, "submit")
    assert context.item.state == ContentState.PENDING
    assert context.item.text("fr", TextStage.PUBLISHED) is None  # nothing public yet
    assert workflow.available(context, editor) == []
    assert workflow.available(context, manager) == ["approve", "reject"]
    workflow.transition(context, manager, "approve")
    item = context.item
    assert item.state == ContentState.PUBLISHED and item.published_at is not None
    assert item.text("en", TextStage.PUBLISHED) == ("Hours", "<p>9am – 6pm</p>")
    assert [(h.transition, h.actor_id, h.from_state, h.to_state) for h in item.history] == [
        ("submit", 1, "draft", "pending"), ("approve", 2, "pending", "published")]
    assert [a[0] for a in audited] == ["content.publish"]


def test_an_editor_cannot_approve(config, audited):
    context = task(ContentState.PENDING)
    with pytest.raises(HTTPForbidden):
        workflow.transition(context, request_as(config, "editor"), "approve")
    assert context.item.state == ContentState.PENDING and not context.item.history and not audited


def test_reject_needs_a_note_and_keeps_it(config, audited):
    context, manager = task(ContentState.PENDING), request_as(config, "manager", 2)
    with pytest.raises(workflow.WorkflowError):
        workflow.transition(context, manager, "reject", note="   ")
    workflow.transition(context, manager, "reject", note="Say 9:00, not 9 h")
    item = context.item
    assert item.state == ContentState.REJECTED and item.reviewer_note == "Say 9:00, not 9 h"
    assert item.history[-1].note == "Say 9:00, not 9 h"
    assert audited[0][0] == "content.reject" and audited[0][3]["note"] == "Say 9:00, not 9 h"
    # sent back: the editor may submit again
    assert workflow.available(context, request_as(config, "editor")) == ["submit"]


def test_transitions_only_from_their_states(config, audited):
    with pytest.raises(workflow.WorkflowError):
        workflow.transition(task(ContentState.DRAFT), request_as(config, "manager"), "approve")
    with pytest.raises(workflow.WorkflowError):
        workflow.transition(task(ContentState.PENDING), request_as(config, "editor"), "submit")
    with pytest.raises(workflow.WorkflowError):
        workflow.transition(task(), request_as(config, "admin"), "no-such-transition")


def test_revise_keeps_the_published_version(config, audited):
    context = task(ContentState.PUBLISHED)
    context.item.set_text("fr", TextStage.PUBLISHED, "Horaires", "<p>ancien</p>")
    context.item.set_text("fr", TextStage.WORKING, "Horaires", "<p>nouveau</p>")
    workflow.transition(context, request_as(config, "editor"), "revise")
    assert context.item.state == ContentState.DRAFT
    assert context.item.text("fr", TextStage.PUBLISHED) == ("Horaires", "<p>ancien</p>")
    assert not audited


def test_saving_a_published_item_starts_a_revision(config, audited):
    context = task(ContentState.PUBLISHED)
    workflow.edited(context, request_as(config, "editor"))
    assert isinstance(context, ContentTask)
    assert context.item.state == ContentState.DRAFT
    assert [h.transition for h in context.item.history] == ["revise"]


@pytest.mark.parametrize("state", [ContentState.DRAFT, ContentState.REJECTED])
def test_saving_a_draft_keeps_its_state(config, audited, state):
    context = task(state)
    workflow.edited(context, request_as(config, "editor"))
    assert context.item.state == state and not context.item.history
