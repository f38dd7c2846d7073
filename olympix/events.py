"""Events several layers fire or subscribe to: plain classes, no behaviour.

They live below every layer that uses them (see docs/architecture.md), so
a resource can fire one and a service subscribe to it without either
importing the other. Fire with ``request.registry.notify(Event(...))``;
subscribe with ``@subscriber(Event)`` (found by ``config.scan()``).
"""
from dataclasses import dataclass, field


@dataclass
class AccountDeleted:
    """After an account is anonymised; its tickets stop working."""

    request: object
    user: object


@dataclass
class ContentTransitioned:
    """After a workflow transition moved a content item (resources/workflow.py).

    ``audit_action`` is the audit log's name for it, or None when the
    transition is not a sensitive action (an editor submitting a draft).
    ``changes``: {name: [old, new]} of the event's settings an approval
    changed (phone-only entry, when tickets appear), else empty.
    """

    request: object
    item: object
    transition: str
    from_state: str
    to_state: str
    note: str | None
    audit_action: str | None
    changes: dict = field(default_factory=dict)


@dataclass
class SeatsCameBack:
    """After seats of an event went back on sale (a lapsed hold expired: services/booking.py).

    The waiting list subscribes: the people in line get them before any
    other buyer, whichever request expired the hold.
    """

    request: object
    event_id: int
