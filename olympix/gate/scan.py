"""The scan service: from what a scanner typed to admit or deny.

The hot path of the gate (a lane admits someone every few seconds):

1. ``ticket_code.decode`` (pure, microseconds) — unreadable text stops here;
2. one SELECT, by the unique serial, of only the columns the verdict and
   the answer need: the ticket, its event and venue's names, the owner's
   ``user_key`` and the buyer's name (Core rows: no ORM objects built, no
   eager joins of the Event mapper, no wide text columns);
3. both proofs checked against the unsealed ``user_key`` and
   ``ticket_key`` (constant time, ``ticket_code.verify``);
4. the ticket's state, its event's end (over: "expired"), venue and the
   time window;
5. ``change_state``'s conditional UPDATE to SCANNED from the state read
   (built once, ``_ADMIT``; ``change_state`` itself after a lost race), so
   of two gates scanning the same ticket at the same moment exactly one is
   admitted; the other sees no row move and denies
   "already scanned";
6. one INSERT of the scan row (every scan is recorded, forged codes too),
   a Core INSERT: no unit-of-work flush on the hot path.

So an admit costs three statements plus a history row, whatever the
ticket. The service takes a session, not a request, so the web views, the
serial-reader command and the concurrency tests call the same code. What
the agent reads of a result (words, times) is ``verdicts.py``'s.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import aliased

from ..models import Event, Order, Ticket, TicketState, User, Venue
from ..models.gate import Gate, Scan, Verdict
from ..models.tickets import change_state, sources_of
from ..security import atrest, ticket_code
from ..settings import DEFAULTS

log = logging.getLogger(__name__)

OPENS_BEFORE = "olympix.gate.opens_before"  # minutes, parsed once by settings.py


class Reason:
    """Why a scan came out as it did (machine strings, stored and sent)."""

    ADMITTED = "admitted"
    UNREADABLE = "unreadable"
    UNKNOWN_OR_FORGED = "unknown_or_forged"
    ALREADY_SCANNED = "already_scanned"
    DEACTIVATED = "deactivated"
    EXPIRED = "expired"
    WRONG_EVENT_OR_DAY = "wrong_event_or_day"
    #: A rotating code whose proof is right but whose window is past (a screenshot?).
    STALE_CODE = "stale_code"
    #: The printed (static) code at a phone-only session.
    PRINTED_AT_PHONE_ONLY = "printed_phone_only"
    #: The shape of a code, under a server key no longer on the ring (a retired key).
    RETIRED_KEY = "retired_key"
    #: Uploaded by POST /api/gate/sync: a ticket another gate had admitted offline too.
    DOUBLE_OFFLINE = "double_offline"


@dataclass(frozen=True)
class ScanConfig:
    """What the service needs from the settings, parsed once."""

    ticket_keyring: object
    data_keyring: object
    opens_before: timedelta

    @classmethod
    def from_settings(cls, settings):
        """From the application's parsed settings (a bare dict of keyrings gets the default window)."""
        minutes = settings.get(OPENS_BEFORE, DEFAULTS[OPENS_BEFORE])
        try:
            minutes = int(minutes)
        except (TypeError, ValueError):
            raise ValueError(f"{OPENS_BEFORE} must be a number of minutes") from None
        return cls(settings["olympix.ticket_keys.parsed"], settings["olympix.data_keys.parsed"],
                   timedelta(minutes=minutes))


@dataclass(frozen=True, slots=True)
class ScannedTicket:
    """The ticket columns a scan reads (not an ORM object: nothing to track)."""

    id: int
    serial: int
    state: str
    state_changed_at: datetime
    state_reason: str | None
    attendee_first_name: str
    attendee_last_name: str

    @property
    def attendee_name(self):
        return f"{self.attendee_first_name} {self.attendee_last_name}".strip()


@dataclass(frozen=True, slots=True)
class ScannedEvent:
    """The event columns a scan reads, with its venue's names."""

    id: int
    code: str
    title_fr: str
    title_en: str
    starts_at: datetime
    ends_at: datetime
    venue_id: int
    venue_name_fr: str
    venue_name_en: str
    phone_only: bool = False

    #: The one source of the gates' opening time (a plain function of ``starts_at``).
    gates_open_at = Event.gates_open_at

    def title(self, lang):
        return self.title_fr if lang == "fr" else self.title_en

    def venue_name(self, lang):
        return self.venue_name_fr if lang == "fr" else self.venue_name_en


@dataclass
class ScanResult:
    """The verdict and what the agent needs to compare with the holder's ID."""

    verdict: str
    reason: str
    at: datetime
    gate: Gate
    scan_id: int | None = None
    ticket: ScannedTicket | None = None
    event: ScannedEvent | None = None
    holder_name: str | None = None
    buyer_name: str | None = None  # only when different from the holder
    state: str | None = None  # the ticket's state after the scan
    previous_at: datetime | None = None  # already_scanned: when it went in
    previous_gate: str | None = None  # already_scanned: where
    extra: dict = field(default_factory=dict)

    @property
    def admitted(self):
        return self.verdict == Verdict.ADMIT


def fingerprint(text):
    """(excerpt, sha256) of the raw input, for the scan record.

    The excerpt is 12 printable ASCII characters at most: enough to tell a
    scanner sending the wrong symbology, not enough to rebuild a code.
    """
    raw = text if isinstance(text, (bytes, bytearray)) else str(text).encode("utf-8", "replace")
    raw = bytes(raw)
    excerpt = "".join(chr(b) for b in raw[:64] if 0x20 <= b < 0x7F)[:12]
    return excerpt, hashlib.sha256(raw).hexdigest()


_Owner = aliased(User)
_Buyer = aliased(User)
_TICKET_COLUMNS = (Ticket.id, Ticket.serial, Ticket.state, Ticket.state_changed_at, Ticket.state_reason,
                   Ticket.attendee_first_name, Ticket.attendee_last_name)
_EVENT_COLUMNS = (Event.id, Event.code, Event.title_fr, Event.title_en, Event.starts_at, Event.ends_at,
                  Event.venue_id, Venue.name_fr, Venue.name_en, Event.phone_only)
_N_TICKET, _N_EVENT = len(_TICKET_COLUMNS), len(_EVENT_COLUMNS)

# Built once. Selecting columns (not the Ticket/Event/User entities) keeps
# the Event mapper's eager sport and venue joins, the descriptions, the
# owner's password hash and the ORM object construction and identity-map
# work off the hot path; every join is on a primary key (EXPLAIN: all
# "const"). The statement is run on the session's connection, so there is
# no autoflush either.
_LOAD = (
    select(*_TICKET_COLUMNS, *_EVENT_COLUMNS, Ticket.ticket_key, _Owner.user_key,
           _Buyer.first_name, _Buyer.last_name)
    .join(Event, Event.id == Ticket.event_id)
    .join(Venue, Venue.id == Event.venue_id)
    .join(_Owner, _Owner.id == Ticket.owner_id)
    .join(Order, Order.id == Ticket.order_id)
    .join(_Buyer, _Buyer.id == Order.user_id)
    .where(Ticket.serial == bindparam("serial"))
)
# An ORM-enabled INSERT (not the bare table): zope.sqlalchemy then marks the
# session changed, so a deny, which writes nothing else, is still committed
# (and so is the admit's UPDATE below, which goes to the connection). One
# statement object with its values as parameters: building ``.values({...})``
# on every scan made SQLAlchemy walk the values for a cache key each time.
# "raw": with its parameters apart, the ORM would otherwise take it for a
# bulk INSERT (no inserted primary key); raw runs it as the one-row Core
# INSERT it is, still through the session (its events, zope's mark).
_INSERT_SCAN = insert(Scan).execution_options(dml_strategy="raw")
_SCAN_VALUES = ("ticket_id", "agent_id", "gate_id", "device_token_id", "verdict", "reason", "at", "code_excerpt",
                "code_sha256", "nonce", "offline")
#: The states an admit moves a ticket from (the model's transitions say which).
ADMISSIBLE = frozenset(sources_of(TicketState.SCANNED))
# The admit itself: ``change_state``'s conditional UPDATE for the usual case
# (from the state just read to SCANNED), built once and run on the session's
# connection as a Core statement. Same statement, same guarantee (the WHERE
# on the state: of two gates, one row moves); the database's trigger writes
# the history row from ``state_actor_id`` and ``state_reason`` as for any
# change. What it saves is Python: change_state builds its statement and the
# ORM compiles it for the session at every call (a sixth of a worker's time).
_tickets = Ticket.__table__
_ADMIT = (
    update(_tickets)
    .where(_tickets.c.id == bindparam("ticket_id"), _tickets.c.state == bindparam("from_state"))
    .values(state=TicketState.SCANNED, state_changed_at=bindparam("moved_at"),
            state_reason=bindparam("gate_name"), state_actor_id=bindparam("agent_id"))
)


@dataclass(frozen=True, slots=True)
class _Loaded:
    ticket: ScannedTicket
    event: ScannedEvent
    ticket_key: bytes
    user_key: bytes
    buyer_first_name: str
    buyer_last_name: str


def _load(dbsession, serial):
    """The ticket with ``serial`` and what the verdict needs, or None."""
    row = dbsession.connection().execute(_LOAD, {"serial": serial}).first()
    if row is None:
        return None
    end = _N_TICKET + _N_EVENT
    return _Loaded(ScannedTicket(*row[:_N_TICKET]), ScannedEvent(*row[_N_TICKET:end]), *row[end:])


def _proofs_match(config, decoded, loaded):
    try:
        ticket_key = atrest.unseal(config.data_keyring, loaded.ticket_key, "ticket_key")
        if decoded.rotating:
            return ticket_code.verify_rotating(decoded, ticket_code.totp_key(ticket_key))
        user_key = atrest.unseal(config.data_keyring, loaded.user_key, "user_key")
    except atrest.SealedDataError:
        log.error("ticket %s: stored key cannot be opened", loaded.ticket.id)
        return False
    return ticket_code.verify(decoded, user_key, ticket_key)


def scan(dbsession, config, text, *, gate, agent_id, now, device_token_id=None, event_id=None, nonce=None,
         offline=False):
    """Check one scanned ``text`` at ``gate`` and record it; return a ScanResult.

    ``event_id``, when the agent chose an event at this gate, narrows the
    admitted tickets to that event. Never raises on bad input: every text,
    however broken, ends as a recorded deny. The caller commits. ``nonce``
    and ``offline``: a scan a gate made offline, uploaded later (``offline.py``).
    """
    result = ScanResult(verdict=Verdict.DENY, reason=Reason.UNREADABLE, at=now, gate=gate)
    excerpt, digest = fingerprint(text)
    try:
        decoded = ticket_code.decode(text, config.ticket_keyring)
    except ticket_code.InvalidCode as exc:
        # A key id no longer on the ring: the shape was right, its key is retired
        # (an old printout, or a forger who guessed the shape).
        result.reason = Reason.RETIRED_KEY if exc.reason == "unknown_key" else Reason.UNREADABLE
        decoded = None
    loaded = _load(dbsession, decoded.serial) if decoded is not None else None
    age = ticket_code.window_age(decoded, now) if decoded is not None and decoded.rotating else None
    if decoded is not None and (loaded is None or not _proofs_match(config, decoded, loaded)
                                or age == "future"):
        result.reason = Reason.UNKNOWN_OR_FORGED
    elif loaded is not None:
        ticket = loaded.ticket
        result.ticket, result.event, result.state = ticket, loaded.event, ticket.state
        result.holder_name = ticket.attendee_name
        buyer = f"{loaded.buyer_first_name} {loaded.buyer_last_name}".strip()
        if buyer != result.holder_name:
            result.buyer_name = buyer
        if age == "stale":
            # The ticket's own proof, but minutes old: a screenshot or a copy.
            result.reason = Reason.STALE_CODE
        elif not decoded.rotating and loaded.event.phone_only:
            result.reason = Reason.PRINTED_AT_PHONE_ONLY
        else:
            _decide(dbsession, config, result, agent_id=agent_id, event_id=event_id)
    inserted = dbsession.execute(_INSERT_SCAN, dict(zip(_SCAN_VALUES, (
        result.ticket.id if result.ticket else None, agent_id, gate.id, device_token_id, str(result.verdict),
        result.reason, now, excerpt, digest, nonce, offline))))
    result.scan_id = inserted.inserted_primary_key[0]
    return result


def _decide(dbsession, config, result, *, agent_id, event_id):
    ticket, event, gate, now = result.ticket, result.event, result.gate, result.at
    if ticket.state == TicketState.DEACTIVATED:
        result.reason = Reason.DEACTIVATED
    elif ticket.state == TicketState.EXPIRED:
        result.reason = Reason.EXPIRED
    elif ticket.state == TicketState.SCANNED:
        _already_scanned(result, ticket.state_changed_at, ticket.state_reason)
    elif now > event.ends_at:
        # Paid or delivered, never scanned, and the event is over: dead
        # wherever it is shown (``olympix expire-tickets`` moves the state).
        result.reason = Reason.EXPIRED
    elif (event.venue_id != gate.venue_id or (event_id is not None and event.id != event_id)
          or not event.gates_open_at(config.opens_before) <= now <= event.ends_at):
        result.reason = Reason.WRONG_EVENT_OR_DAY
    else:
        # The gate's name goes in as the reason so "already scanned … gate B"
        # can be read back from the ticket row alone (see below).
        # First from the state we read: one UPDATE on the usual path (the
        # prebuilt ``_ADMIT``). Only if that lost a race, from either
        # scannable state (delivered in between), through change_state.
        moved = None
        if ticket.state in ADMISSIBLE:
            moved = dbsession.connection().execute(_ADMIT, {
                "ticket_id": ticket.id, "from_state": ticket.state, "moved_at": now, "gate_name": gate.name[:200],
                "agent_id": agent_id}).rowcount or None
        if moved is None:
            moved = change_state(dbsession, ticket.id, TicketState.SCANNED, at=now, allowed_from=ADMISSIBLE,
                                 actor_id=agent_id, reason=gate.name[:200])
        if moved is not None:
            result.verdict, result.reason, result.state = Verdict.ADMIT, Reason.ADMITTED, TicketState.SCANNED
            return
        # Lost a race: another gate (or a deactivation) moved the ticket
        # after we read it. What we read shows the old state, so read the
        # row's latest version with a share lock (it waits for a move still
        # in flight): a primary-key lookup, one row, no gap lock.
        state, changed_at, reason = dbsession.execute(
            select(Ticket.state, Ticket.state_changed_at, Ticket.state_reason)
            .where(Ticket.id == ticket.id).with_for_update(read=True)
        ).one()
        result.state = state
        if state == TicketState.SCANNED:
            _already_scanned(result, changed_at, reason)
        elif state == TicketState.DEACTIVATED:
            result.reason = Reason.DEACTIVATED
        else:
            result.reason = Reason.EXPIRED


def _already_scanned(result, at, gate_name):
    result.reason = Reason.ALREADY_SCANNED
    result.previous_at = at
    result.previous_gate = gate_name
