"""The gate's business rules that take the request: scanning as the
signed-in agent or device, gates and device tokens, deactivating tickets.

Every token action and every deactivation goes to the audit log, in the
same transaction as the change itself.
"""
import re
from datetime import timedelta

from sqlalchemy import select

from ..gate import tokens
from ..gate.scan import ScanConfig, scan
from ..models import Event, EventState, Ticket, TicketState, User, UserState, Venue
from ..models.gate import DeviceToken, Gate, Scan
from ..models.tickets import change_state
from ..security.principals import Role
from . import audit
from .clock import now

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_CONFIG_KEY = "olympix.gate.scan_config"


def scan_config(request):
    """The ScanConfig parsed from the settings once per process."""
    config = request.registry.get(_CONFIG_KEY)
    if config is None:
        config = request.registry[_CONFIG_KEY] = ScanConfig.from_settings(request.registry.settings)
    return config


def find_gate(request, code, active_only=True):
    if not isinstance(code, str) or not SLUG_RE.fullmatch(code):
        return None
    query = select(Gate).where(Gate.code == code)
    if active_only:
        query = query.where(Gate.active.is_(True))
    return request.dbsession.scalar(query)


def get_gate(request, gate_id, active_only=True):
    gate = request.dbsession.get(Gate, gate_id) if isinstance(gate_id, int) else None
    if gate is None or (active_only and not gate.active):
        return None
    return gate


def scan_code(request, text, gate, *, device_token=None, event_id=None):
    """Scan ``text`` at ``gate`` as the request's agent (or device)."""
    return scan(request.dbsession, scan_config(request), text, gate=gate, agent_id=request.identity.id,
                now=now(request), device_token_id=device_token.id if device_token else None,
                event_id=event_id)


def gates_by_venue(request, active_only=False):
    """[(venue, [gates…])…] ordered by venue name then gate name."""
    query = select(Gate).join(Venue, Venue.id == Gate.venue_id).order_by(Venue.name_fr, Gate.name)
    if active_only:
        query = query.where(Gate.active.is_(True))
    grouped = {}
    for gate in request.dbsession.scalars(query):
        grouped.setdefault(gate.venue_id, (gate.venue, []))[1].append(gate)
    return list(grouped.values())


def events_at_gate(request, gate, config=None):
    """Today's events at the gate's venue: those whose window is open or opens within a day."""
    current = now(request)
    opens_before = (config or scan_config(request)).opens_before
    return list(request.dbsession.scalars(
        select(Event).where(Event.venue_id == gate.venue_id, Event.state != EventState.CANCELLED,
                            Event.ends_at >= current,
                            Event.starts_at <= current + opens_before + timedelta(hours=24))
        .order_by(Event.starts_at)))


def agent_history(request, agent_id, limit=100):
    """The agent's latest scans with the ticket's holder, newest first."""
    return request.dbsession.execute(
        select(Scan, Ticket.attendee_first_name, Ticket.attendee_last_name, Ticket.serial)
        .outerjoin(Ticket, Ticket.id == Scan.ticket_id)
        .where(Scan.agent_id == agent_id).order_by(Scan.at.desc(), Scan.id.desc()).limit(limit)
    ).all()


def create_gate(request, venue, name, code):
    gate = Gate(venue_id=venue.id, name=name, code=code, active=True, created_at=now(request))
    request.dbsession.add(gate)
    request.dbsession.flush()
    audit.record(request, "gate.create", "gate", gate.id, code=code, venue=venue.slug)
    return gate


def set_gate_active(request, gate, active):
    gate.active = bool(active)
    audit.record(request, "gate.activate" if active else "gate.deactivate", "gate", gate.id, code=gate.code)


def agents(request):
    """People who may scan: active agents and administrators."""
    return list(request.dbsession.scalars(
        select(User).where(User.role.in_((Role.AGENT, Role.ADMIN)), User.state == UserState.ACTIVE)
        .order_by(User.last_name, User.first_name)))


def issue_token(request, gate, agent, label="", actor=None):
    """Make a device token for ``agent`` at ``gate``; returns (row, token shown once)."""
    token = tokens.new_token()
    row = DeviceToken(token_sha256=tokens.token_hash(token), label=label[:100], gate_id=gate.id,
                      agent_id=agent.id, created_by_id=actor.id if actor else None,
                      created_at=now(request))
    request.dbsession.add(row)
    request.dbsession.flush()
    audit.record(request, "gate.token.create", "gate_device_token", row.id, actor=actor,
                 gate=gate.code, agent=agent.email, label=row.label)
    return row, token


def revoke_token(request, row, actor=None):
    if row.revoked_at is not None:
        return False
    row.revoked_at = now(request)
    actor = actor or request.identity
    row.revoked_by_id = actor.id if actor else None
    audit.record(request, "gate.token.revoke", "gate_device_token", row.id, actor=actor,
                 gate=row.gate.code)
    return True


def tokens_by_gate(request):
    """{gate_id: [(DeviceToken, agent)…]} for the admin page."""
    grouped = {}
    for row, agent in request.dbsession.execute(
            select(DeviceToken, User).join(User, User.id == DeviceToken.agent_id)
            .order_by(DeviceToken.created_at.desc())):
        grouped.setdefault(row.gate_id, []).append((row, agent))
    return grouped


def find_ticket(request, serial_or_code):
    """A ticket by its serial (digits) or by its code as printed; None if neither."""
    text = (serial_or_code or "").strip()
    if text.isdigit() and len(text) <= 15:
        serial = int(text)
    else:
        from ..security import ticket_code

        try:
            serial = ticket_code.decode(text, scan_config(request).ticket_keyring).serial
        except ticket_code.InvalidCode:
            return None
    return request.dbsession.scalar(select(Ticket).where(Ticket.serial == serial))


def deactivate_ticket(request, ticket, reason):
    """Staff revoke a ticket; False when its state no longer allows it."""
    moved = change_state(request.dbsession, ticket.id, TicketState.DEACTIVATED, at=now(request),
                         actor_id=request.identity.id, reason=reason[:200])
    if moved is None:
        return False
    audit.record(request, "ticket.deactivate", "ticket", ticket.id, serial=ticket.serial,
                 reason=reason[:200], from_state=str(moved))
    request.dbsession.expire(ticket)
    return True
