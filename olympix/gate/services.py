"""The gate's business rules that take the request: gates, scanning as the
signed-in agent or device, the agents' history, finding and deactivating
tickets (device tokens: ``tokens.py``).

Every gate change and every deactivation goes to the audit log, in the
same transaction as the change itself.
"""
import re
from datetime import timedelta

from sqlalchemy import select

from ..interfaces import IClock, shared_service
from ..models import Event, EventState, Ticket, TicketState, User, UserState, Venue
from ..models.gate import Gate, Scan
from ..models.tickets import change_state
from ..security import ticket_code
from ..security.device_tokens import forget_all
from ..security.principals import Role
from ..services import audit
from ..services.clock import now
from .scan import ScanConfig, scan

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
#: The agents' desk lists the sessions whose gates open within this time.
DESK_HORIZON = timedelta(hours=24)
AGENT_ROLES = (Role.AGENT, Role.ADMIN)


def _shared(request):
    """(ScanConfig, clock): the one instance of each this application has (both registered as one), found once.

    Found through pyramid_services at every scan, they cost a millisecond a
    scan (``interfaces.shared_service``).
    """
    return shared_service(request, ScanConfig), shared_service(request, IClock)


def scan_config(request):
    """The ScanConfig the gate's includeme made from the settings."""
    return _shared(request)[0]


# -- gates ------------------------------------------------------------------

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


def gates_by_venue(request, active_only=False):
    """[(venue, [gates…])…] ordered by venue name then gate name."""
    query = select(Gate).join(Venue, Venue.id == Gate.venue_id).order_by(Venue.name_fr, Gate.name)
    if active_only:
        query = query.where(Gate.active.is_(True))
    grouped = {}
    for gate in request.dbsession.scalars(query):
        grouped.setdefault(gate.venue_id, (gate.venue, []))[1].append(gate)
    return list(grouped.values())


def venues(request):
    """Every venue, by French name (where a new gate may go)."""
    return list(request.dbsession.scalars(select(Venue).order_by(Venue.name_fr)))


def get_venue(request, venue_id):
    return request.dbsession.get(Venue, venue_id) if isinstance(venue_id, int) else None


def create_gate(request, venue, name, code):
    gate = Gate(venue_id=venue.id, name=name, code=code, active=True, created_at=now(request))
    request.dbsession.add(gate)
    request.dbsession.flush()
    audit.record(request, "gate.create", "gate", gate.id, code=code, venue=venue.slug)
    return gate


def set_gate_active(request, gate, active):
    gate.active = bool(active)
    forget_all()  # its devices' cached tokens (security/device_tokens.py)
    audit.record(request, "gate.activate" if active else "gate.deactivate", "gate", gate.id, code=gate.code)


def events_at_gate(request, gate):
    """The sessions at the gate's venue not over yet whose gates open within a day."""
    current = now(request)
    opens_before = scan_config(request).opens_before
    running = request.dbsession.scalars(
        select(Event).where(Event.venue_id == gate.venue_id, Event.state != EventState.CANCELLED,
                            Event.ends_at >= current)
        .order_by(Event.starts_at))
    # A venue holds a few sessions a day: the window is judged here, by the
    # one source of the opening time, rather than by interval arithmetic
    # that MariaDB and SQLite write differently.
    return [event for event in running if event.gates_open_at(opens_before) <= current + DESK_HORIZON]


# -- scanning ---------------------------------------------------------------

def scan_code(request, text, gate, *, device_token=None, event_id=None):
    """Scan ``text`` at ``gate`` as the request's agent (or device)."""
    config, clock = _shared(request)
    return scan(request.dbsession, config, text, gate=gate, agent_id=request.identity.id,
                now=clock.now(), device_token_id=device_token.id if device_token else None,
                event_id=event_id)


def agent_history(request, agent_id, limit=100):
    """The agent's latest scans with the ticket's holder, newest first."""
    return request.dbsession.execute(
        select(Scan, Ticket.attendee_first_name, Ticket.attendee_last_name, Ticket.serial)
        .outerjoin(Ticket, Ticket.id == Scan.ticket_id)
        .where(Scan.agent_id == agent_id).order_by(Scan.at.desc(), Scan.id.desc()).limit(limit)
    ).all()


# -- agents -----------------------------------------------------------------

def agents(request):
    """People who may scan: active agents and administrators."""
    return list(request.dbsession.scalars(
        select(User).where(User.role.in_(AGENT_ROLES), User.state == UserState.ACTIVE)
        .order_by(User.last_name, User.first_name)))


def get_agent(request, user_id):
    """The active agent or administrator with ``user_id``, or None."""
    user = request.dbsession.get(User, user_id) if isinstance(user_id, int) else None
    return user if user is not None and user.is_active and user.role in AGENT_ROLES else None


def first_agent(request):
    """The first active agent (by id), or None: who a command scans as by default."""
    return request.dbsession.scalar(select(User).where(User.role == Role.AGENT, User.state == UserState.ACTIVE)
                                    .order_by(User.id).limit(1))


# -- tickets ----------------------------------------------------------------

def find_ticket(request, serial_or_code):
    """A ticket by its serial (digits) or by its code as printed; None if neither."""
    text = (serial_or_code or "").strip()
    if text.isdigit() and len(text) <= 15:
        serial = int(text)
    else:
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
