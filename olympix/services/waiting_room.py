"""The waiting room in front of an on-sale opening (issue 11; docs/waiting-room.md).

An event with an opening (``Event.onsale_at``) is *queued* from any time
before it until ``olympix.queue.open_minutes`` after it. Events of one sale
phase (``Event.sale_phase``) share one queue and one pass.

- Before the opening nothing is sold; signed-in visitors who come in the
  last ``window_minutes`` take a place with a **random** score in [0, 1):
  their order at the opening is a draw, not who reloaded fastest. Later
  arrivals get ``1 + seconds since the opening``: the back, in order.
- From the opening, the admission cursor moves at the sale's rate (places
  per second), capped so that never more than ``max_inside`` passes are
  valid at once; a place whose rank is below the cursor is admitted.
- An admitted account gets one **pass**, to one browser: a token signed
  with a key derived from the session secret, kept in that browser's
  session and bound to a random id of that session, valid
  ``pass_minutes`` to start a hold. Checking it at the hold reads nothing
  from any store. A pass that ran out sends its account to the back.
- One place per account (the queue's member is the account), at most
  ``places_per_address`` accounts per client address and queue.
"""
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from ..models import Event
from .clock import now
from .queue_store import queue_backend

PASSES = "queue.passes"  # session key: {queue key: token}
BROWSER = "queue.browser"  # session key: this browser's random id
BURST_SECONDS = 10  # the cursor may run this far ahead of an empty queue


def _setting(request, name):
    return request.registry.settings[f"olympix.queue.{name}"]


@dataclass(frozen=True)
class Sale:
    """An event's queued sale, as configured."""

    key: str
    opens_at: object  # aware UTC datetime
    per_minute: float  # effective admissions a minute (after the max_inside cap)
    window_starts: object
    queued_until: object

    @property
    def per_second(self):
        return self.per_minute / 60

    @property
    def burst(self):
        return max(1.0, self.per_second * BURST_SECONDS)


@dataclass(frozen=True)
class Status:
    """What the queue page and ``@@queue.json`` say to one person."""

    sale: Sale
    phase: str  # "early" (before the window), "waiting" (window, before opening), "queued" (after)
    position: int | None = None  # 1-based
    ahead: int | None = None
    estimated_wait_s: int | None = None
    admitted: bool = False
    refused: bool = False  # too many places from this address
    elsewhere: bool = False  # the account's pass belongs to another browser
    pass_until: object = None

    @property
    def pass_until_at(self):
        return None if self.pass_until is None else datetime.fromtimestamp(self.pass_until, timezone.utc)

    def as_json(self):
        return {"position": self.position, "ahead": self.ahead, "estimated_wait_s": self.estimated_wait_s,
                "admitted": self.admitted, "opens_at": self.sale.opens_at.isoformat(), "phase": self.phase}


def sale_of(request, event):
    """The event's queued sale, or None when it has no opening."""
    if event.onsale_at is None:
        return None
    rate = event.admission_rate or _setting(request, "default_rate")
    pass_minutes = _setting(request, "pass_minutes")
    # Passes valid at once ≤ per_minute × pass_minutes + burst ≤ max_inside.
    cap = _setting(request, "max_inside") / (pass_minutes + BURST_SECONDS / 60)
    return Sale(key=event.sale_phase or event.code, opens_at=event.onsale_at,
                per_minute=float(min(rate, cap)),
                window_starts=event.onsale_at - timedelta(minutes=_setting(request, "window_minutes")),
                queued_until=event.onsale_at + timedelta(minutes=_setting(request, "open_minutes")))


def is_queued(request, event, current=None):
    """Whether a queue stands in front of this event's sale right now."""
    sale = sale_of(request, event)
    return sale is not None and (current or now(request)) < sale.queued_until


def before_opening(request, event, current=None):
    return event.onsale_at is not None and (current or now(request)) < event.onsale_at


def _phase(sale, current):
    if current < sale.window_starts:
        return "early"
    return "waiting" if current < sale.opens_at else "queued"


def _score(sale, current):
    if current < sale.opens_at:
        return secrets.SystemRandom().random()
    return 1.0 + (current - sale.opens_at).total_seconds()


def _ttl(sale, current):
    """How long the queue's keys must live: until the queued sale is over, and a pass after it."""
    return max(60, (sale.queued_until - current).total_seconds() + 60 * 60)


def status(request, event, user=None, join=True):
    """Where ``user`` (None: an anonymous visitor) stands; joins them if ``join``.

    Admitted signed-in people also get their pass here (in this browser's
    session), so the page that tells them it is their turn lets them hold.
    """
    sale = sale_of(request, event)
    current = now(request)
    phase = _phase(sale, current)
    if user is None or phase == "early":
        length, cursor = queue_backend(request).summary(sale.key)
        return Status(sale, phase, estimated_wait_s=_wait(sale, current, max(0, length - int(cursor))))
    backend = queue_backend(request)
    address = request.client_ip
    # Without an address (a script) there is nothing to count places by.
    per_address = _setting(request, "places_per_address") if address not in (None, "", "unknown") else 10**9
    polled = backend.poll(sale.key, user.id, _score(sale, current), address or "",
                          current.timestamp(), sale.opens_at.timestamp(), sale.per_second, sale.burst,
                          per_address, join, _ttl(sale, current))
    if polled.refused:
        return Status(sale, phase, refused=True)
    if polled.rank is None:
        return Status(sale, phase)
    admitted = current >= sale.opens_at and polled.rank < int(polled.cursor)
    if admitted:
        given = _give_pass(request, backend, sale, user, current)
        if given is None:  # the pass ran out: to the back of the queue
            backend.requeue(sale.key, user.id, _score(sale, current))
            return status(request, event, user, join=False)
        if given is not True:
            return Status(sale, phase, position=polled.rank + 1, ahead=0, estimated_wait_s=0,
                          admitted=False, elsewhere=True)
        return Status(sale, phase, position=polled.rank + 1, ahead=0, estimated_wait_s=0, admitted=True,
                      pass_until=pass_until(request, sale))
    ahead = max(0, polled.rank - int(polled.cursor))
    return Status(sale, phase, position=polled.rank + 1, ahead=ahead,
                  estimated_wait_s=_wait(sale, current, ahead + 1))


def _wait(sale, current, ahead):
    before = max(0.0, (sale.opens_at - current).total_seconds())
    return int(before + ahead / sale.per_second)


# --- the pass -----------------------------------------------------------------

def _key(request):
    secret = request.registry.settings["olympix.session_secret"].encode()
    return hmac.new(secret, b"olympix waiting room pass", hashlib.sha256).digest()


def _sign(request, sale_key, user_id, browser, until):
    message = f"{sale_key}|{user_id}|{browser}|{until}".encode()
    return hmac.new(_key(request), message, hashlib.sha256).hexdigest()[:32]


def browser_id(request):
    """This browser session's random id (made on first use)."""
    browser = request.session.get(BROWSER)
    if browser is None:
        browser = request.session[BROWSER] = secrets.token_hex(8)
    return browser


def _give_pass(request, backend, sale, user, current):
    """True: this browser holds a valid pass; False: another browser does; None: it ran out."""
    browser = browser_id(request)
    until = int((current + timedelta(minutes=_setting(request, "pass_minutes"))).timestamp())
    owner, given_until = backend.claim_pass(sale.key, user.id, browser, until, _ttl(sale, current))
    if given_until <= current.timestamp():
        return None
    if owner != browser:
        return False
    token = f"{user.id}|{browser}|{int(given_until)}|{_sign(request, sale.key, user.id, browser, int(given_until))}"
    passes = dict(request.session.get(PASSES, {}))
    if passes.get(sale.key) != token:
        passes[sale.key] = token
        request.session[PASSES] = passes
    return True


def _read_pass(request, sale):
    token = request.session.get(PASSES, {}).get(sale.key, "")
    parts = token.split("|")
    if len(parts) != 4 or not parts[2].isdigit():
        return None
    user_id, browser, until, signature = parts
    if not hmac.compare_digest(signature, _sign(request, sale.key, user_id, browser, int(until))):
        return None
    if browser != request.session.get(BROWSER):
        return None
    return user_id, int(until)


def pass_until(request, sale):
    read = _read_pass(request, sale)
    return None if read is None else read[1]


def has_pass(request, event, user):
    """Whether this browser holds a valid pass of ``user`` for the event's queued sale."""
    sale = sale_of(request, event)
    read = _read_pass(request, sale)
    return read is not None and read[0] == str(user.id) and read[1] > now(request).timestamp()


def may_hold(request, event, user):
    """None if ``user`` may start a hold now, else the reason: "early" or "queued"."""
    current = now(request)
    if not is_queued(request, event, current):
        return None
    if current < event.onsale_at:
        return "early"
    return None if has_pass(request, event, user) else "queued"


# --- for the back office and the command ------------------------------------

def summary(request, event):
    """``{"sale", "length", "admitted", "waiting", "wait_s"}`` of the event's queue."""
    sale = sale_of(request, event)
    length, cursor = queue_backend(request).summary(sale.key)
    admitted = min(length, int(cursor)) if now(request) >= sale.opens_at else 0
    waiting = length - admitted
    return {"sale": sale, "length": length, "admitted": admitted, "waiting": waiting,
            "wait_s": int(waiting / sale.per_second)}


MAX_RATE = 1_000_000  # admissions a minute: beyond it a queue means nothing


class OpeningRefused(ValueError):
    """The opening, rate or phase given makes no sense; the message says why."""


def set_opening(request, event, opens_at, rate=None, phase=None):
    """Give ``event`` an opening (None: no queue), a rate a minute and a sale phase.

    A changed opening starts a new, empty queue.
    """
    if opens_at is not None and opens_at.tzinfo is None:
        raise OpeningRefused("the opening time needs a time zone")
    if opens_at is not None and opens_at >= event.starts_at:
        raise OpeningRefused("the sale must open before the event starts")
    if rate is not None and not (isinstance(rate, int) and 0 < rate <= MAX_RATE):
        raise OpeningRefused(f"the rate is a whole number of admissions a minute, 1 to {MAX_RATE}")
    if phase is not None and not (0 < len(phase) <= 64 and all(c.isalnum() or c in "-_" for c in phase)):
        raise OpeningRefused("a sale phase is 1 to 64 letters, digits, - or _")
    changed = (opens_at != event.onsale_at or (phase or None) != event.sale_phase)
    if changed and event.onsale_at is not None:
        reset(request, event)
    event.onsale_at, event.admission_rate, event.sale_phase = opens_at, rate, phase or None
    if changed and opens_at is not None:
        reset(request, event)


def sales_summary(request, limit=50):
    """The summary of every sale whose queue is coming or still running, soonest first."""
    current = now(request)
    since = current - timedelta(minutes=_setting(request, "open_minutes"))
    events = request.dbsession.scalars(
        select(Event).where(Event.onsale_at.is_not(None), Event.onsale_at > since)
        .order_by(Event.onsale_at, Event.id).limit(limit)).all()
    seen, rows = set(), []
    for event in events:
        key = event.sale_phase or event.code
        if key not in seen:  # a sale phase is one queue, shown once
            seen.add(key)
            rows.append(dict(summary(request, event), event=event))
    return rows


def reset(request, event):
    """Forget the event's queue (a new opening time starts a new one)."""
    sale = sale_of(request, event)
    if sale is None:
        return
    queue_backend(request).clear(sale.key)
