"""Booking: hold seats, name the attendees, give expired holds back.

The hot path of a sale opening. Seats move only by conditional UPDATE of
``events.seats_left`` (``... WHERE seats_left >= n``): of concurrent
buyers, the database lets exactly as many through as there are seats, with
no read-then-write window and no lock held longer than that one statement.
An order's state moves the same way (``UPDATE orders ... WHERE state =
'held'``), so an expired hold gives its seats back exactly once, whoever
sees it first: the buyer, another buyer short of seats, or ``olympix
sweep-holds``.
"""
import secrets
from datetime import timedelta

from sqlalchemy import bindparam, case, exists, func, insert, select, update
from sqlalchemy.orm import make_transient_to_detached, selectinload

from ..events import SeatsCameBack
from ..i18n import _
from ..models import (
    Event,
    EventState,
    ListingState,
    Order,
    OrderAttendee,
    OrderLine,
    OrderState,
    Payment,
    PaymentStatus,
    ResaleListing,
    User,
)
from . import waiting_room
from .clock import now
from .refusals import Refused

REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
REFERENCE_LENGTH = 10


class BookingRefused(Refused):
    """A business rule said no; ``message`` is for the buyer (a TranslationString)."""


def setting(request, name):
    return request.registry.settings[f"olympix.{name}"]


def new_reference():
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def take_seats(dbsession, event_id, seats):
    """Take ``seats`` of the event if that many are left; True if taken.

    One conditional UPDATE: the row lock it takes lasts only until commit,
    and the check and the decrement are the same statement.
    """
    return dbsession.execute(
        update(Event).where(Event.id == event_id, Event.seats_left >= seats)
        .values(seats_left=Event.seats_left - seats)
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def give_back_seats(dbsession, event_id, seats):
    dbsession.execute(
        update(Event).where(Event.id == event_id)
        .values(seats_left=Event.seats_left + seats)
        .execution_options(synchronize_session=False)
    )


def seats_booked(request, user_id, event_id=None):
    """Seats in this person's live orders (held and not yet expired, or paid)."""
    current = now(request)
    query = (select(func.coalesce(func.sum(OrderLine.seats), 0))
             .join(Order, Order.id == OrderLine.order_id)
             .where(Order.user_id == user_id,
                    ((Order.state == OrderState.PAID)
                     | ((Order.state == OrderState.HELD) & (Order.held_until > current)))))
    if event_id is not None:
        query = query.where(OrderLine.event_id == event_id)
    return int(request.dbsession.scalar(query))


def on_sale(event, current):
    """Tickets are sold for published events from their opening (if any) until they start."""
    return (event.state == EventState.PUBLISHED and event.starts_at > current
            and (event.onsale_at is None or event.onsale_at <= current))


def _standing(request, user_id, event_id, current, address, since, at_most):
    """``(live seats in all, live seats for the event, latest lapse there, holds from the address)``.

    Live: held and not yet expired, or paid. A lapse: a hold that ran out
    unpaid (expired, or still held past its time). The holds from
    ``address`` since ``since`` are counted up to ``at_most`` (None: not
    counted, 0 returned). One round trip for every limit of a hold (issue
    11.4): the standing, its relapse wait and the address's throttle.
    """
    params = {"user_id": user_id, "event_id": event_id, "current": current}
    if address is None:
        return (*request.dbsession.execute(_STANDING, params).one(), 0)
    return tuple(request.dbsession.execute(_STANDING_AND_ADDRESS, params | {
        "address": address, "since": since, "at_most": at_most}).one())


def _standing_statement(with_address):
    """Built once, bound per call: the hold's statements cost as much to build as to send."""
    current = bindparam("current", type_=Order.held_until.type)
    live = (Order.state == OrderState.PAID) | ((Order.state == OrderState.HELD) & (Order.held_until > current))
    lapsed = (Order.state == OrderState.EXPIRED) | (
        (Order.state == OrderState.HELD) & (Order.held_until <= current))
    here = OrderLine.event_id == bindparam("event_id")
    columns = [func.coalesce(func.sum(case((live, OrderLine.seats), else_=0)), 0),
               func.coalesce(func.sum(case((live & here, OrderLine.seats), else_=0)), 0),
               func.max(case((lapsed & here, Order.held_until)))]
    if with_address:
        recent = (select(Order.id).where(Order.client_address == bindparam("address"),
                                         Order.created_at > bindparam("since", type_=Order.created_at.type))
                  .limit(bindparam("at_most")).subquery())
        columns.append(select(func.count()).select_from(recent).scalar_subquery())
    return (select(*columns).join(Order, Order.id == OrderLine.order_id)
            .where(Order.user_id == bindparam("user_id")))


_LOCK_BUYER = select(User.id).where(User.id == bindparam("user_id")).with_for_update()
_STANDING = _standing_statement(with_address=False)
_STANDING_AND_ADDRESS = _standing_statement(with_address=True)


def known_address(request):
    """The client's address, or None when there is none (a command, a script, a test)."""
    address = request.client_ip
    return None if not address or address == "unknown" else address


def repeated_lapses(request, hours=24, at_least=3, limit=50):
    """``[(user, lapses)]``: accounts whose holds ran out unpaid ``at_least`` times lately.

    The managers' anomaly for seats kept off sale by re-holding (issue 15).
    """
    since = now(request) - timedelta(hours=hours)
    count = func.count(Order.id).label("lapses")
    rows = request.dbsession.execute(
        select(Order.user_id, count).where(Order.state == OrderState.EXPIRED, Order.held_until > since)
        .group_by(Order.user_id).having(count >= at_least).order_by(count.desc()).limit(limit)).all()
    users = {u.id: u for u in request.dbsession.scalars(select(User).where(User.id.in_([r[0] for r in rows])))}
    return [(users[user_id], lapses) for user_id, lapses in rows if user_id in users]


#: A queued sale's hold without a valid admission pass (primary or resale: services/resale.hold).
NOT_YOUR_TURN = _("It is not your turn in the queue yet, or your pass has run out: "
                  "the queue page tells you when you may book.")


def hold(request, user, event, offer, quantity):
    """Hold ``quantity`` × ``offer`` on ``event`` for ``user``; returns the new Order.

    Raises BookingRefused with a message for the buyer. Nothing is written
    when it refuses (the seat UPDATE comes after every check that can fail).
    """
    dbsession = request.dbsession
    if offer.event_id != event.id:
        raise BookingRefused(_("This offer is not sold for this event."))
    if not isinstance(quantity, int) or quantity < 1:
        raise BookingRefused(_("Choose at least one."))
    current = now(request)
    if not on_sale(event, current):
        if event.onsale_at is not None and current < event.onsale_at and event.starts_at > current:
            raise BookingRefused(_("Sales open at %(when)s.",
                                   mapping={"when": request.fmt.datetime(event.onsale_at)}))
        raise BookingRefused(_("This event is not on sale."))
    if waiting_room.may_hold(request, event, user) is not None:
        raise BookingRefused(NOT_YOUR_TURN)
    seats = quantity * offer.seats
    per_event = setting(request, "booking.max_per_event")
    per_account = setting(request, "booking.max_per_account")
    if seats > per_event:
        raise BookingRefused(_("At most %(max)s tickets per person for an event.",
                               mapping={"max": per_event}))
    # Serialise one person's bookings (their own row only) so two tabs
    # cannot both pass the limits below; other buyers never wait on it.
    # The standing is read after the lock, and every statement reads what is
    # committed (READ COMMITTED, models.get_engine): a snapshot taken at the
    # request's first read would not show the hold another tab committed
    # while this one waited for the lock.
    dbsession.execute(_LOCK_BUYER, {"user_id": user.id})
    address = known_address(request)
    per_address = setting(request, "booking.holds_per_address_hour")
    # 0: no limit (the benchmarks, where every buyer is 127.0.0.1).
    counted = address if address and per_address > 0 else None
    booked_in_all, booked, last_lapse, from_address = _standing(
        request, user.id, event.id, current, counted, current - timedelta(hours=1), per_address)
    if int(booked) + seats > per_event:
        raise BookingRefused(_("At most %(max)s tickets per person for an event; your orders already "
                               "count the rest.", mapping={"max": per_event}))
    # A hold that lapsed unpaid gives its seats to others for a while: an
    # account (a bot's) cannot keep them off sale by holding again at once.
    again_at = last_lapse and last_lapse + timedelta(minutes=setting(request, "booking.relapse_minutes"))
    if again_at and again_at > current:
        raise BookingRefused(_("Your last hold for this event ran out unpaid: you may hold seats for it "
                               "again from %(when)s.", mapping={"when": request.fmt.time(again_at)}))
    if counted and from_address >= per_address:
        raise BookingRefused(_("Too many holds from your network in the last hour: try again later."))
    if int(booked_in_all) + seats > per_account:
        raise BookingRefused(_("At most %(max)s tickets per account for the whole Games.",
                               mapping={"max": per_account}))
    # Expired holds may be sitting on the seats: give them back, try once more.
    if not take_seats(dbsession, event.id, seats) and not (
            release_expired(request, event_id=event.id) and take_seats(dbsession, event.id, seats)):
        raise BookingRefused(_("Not enough seats left for this choice."))
    held_until = current + timedelta(minutes=setting(request, "booking.hold_minutes"))
    return _write_hold(dbsession, user, event, offer, quantity, seats, current, held_until, address)


def _write_hold(dbsession, user, event, offer, quantity, seats, current, held_until, address):
    """The order, its line and one attendee per seat: three INSERTs, then the rows as loaded objects.

    Core INSERTs, not a flush of new objects (a fifth of a hold's CPU went
    to the unit of work). The returned Order is persistent with its line
    (the attendees and payments load when read), as if just queried.
    """
    order = Order(reference=new_reference(), user_id=user.id, state=OrderState.HELD,
                  total_cents=quantity * offer.price_cents, currency="EUR", created_at=current,
                  client_address=address, held_until=held_until, paid_at=None, cancelled_at=None,
                  notice_sent_at=None)
    # Core statements on the tables (the ORM's bulk INSERT path cost as much
    # again); the seat UPDATE before them, an ORM statement, has already told
    # the transaction manager that this request writes.
    order.id = dbsession.execute(_INSERT_ORDER, {c: getattr(order, c) for c in _ORDER_COLUMNS}
                                 ).inserted_primary_key[0]
    line = OrderLine(order_id=order.id, event_id=event.id, offer_id=offer.id, quantity=quantity, seats=seats,
                     unit_price_cents=offer.price_cents, resale_listing_id=None)
    line.id = dbsession.execute(_INSERT_LINE, {c: getattr(line, c) for c in _LINE_COLUMNS}
                                ).inserted_primary_key[0]
    # Solo defaults to the buyer; the other seats are named before paying.
    dbsession.execute(_INSERT_ATTENDEE, [
        {"order_id": order.id, "order_line_id": line.id, "position": i,
         "first_name": user.first_name if i == 0 else "", "last_name": user.last_name if i == 0 else ""}
        for i in range(seats)])
    order.lines = [line]
    line.event, line.offer = event, offer
    make_transient_to_detached(order)
    make_transient_to_detached(line)
    dbsession.add(order)
    return order


_ORDER_COLUMNS = ("reference", "user_id", "state", "total_cents", "currency", "created_at", "client_address",
                  "held_until")
_LINE_COLUMNS = ("order_id", "event_id", "offer_id", "quantity", "seats", "unit_price_cents")
_INSERT_ORDER = insert(Order.__table__)
_INSERT_LINE = insert(OrderLine.__table__)
_INSERT_ATTENDEE = insert(OrderAttendee.__table__)


def no_open_payment():
    """The order has no checkout session still open at the provider (as far as we know).

    Such an order's hold is never expired here: the buyer may have paid and
    the notification be lost. ``services/payments`` asks the provider first
    (``refresh``, ``sweep_lapsed_holds``) and then expires it with
    ``provider_asked=True``.
    """
    return ~exists(select(Payment.id).where(Payment.order_id == Order.id,
                                            Payment.status == PaymentStatus.OPEN))


def expire_order(request, order_id, provider_asked=False):
    """Move one held, expired order to ``expired`` and give its seats back.

    True if this call did it (exactly one caller does, whatever the race).
    """
    dbsession = request.dbsession
    lapsed = [Order.id == order_id, Order.state == OrderState.HELD, Order.held_until <= now(request)]
    if not provider_asked:
        lapsed.append(no_open_payment())
    moved = dbsession.execute(
        update(Order).where(*lapsed)
        .values(state=OrderState.EXPIRED)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        return False
    for event_id, seats in dbsession.execute(
            select(OrderLine.event_id, OrderLine.seats).where(OrderLine.order_id == order_id,
                                                              OrderLine.resale_listing_id.is_(None))):
        give_back_seats(dbsession, event_id, seats)
        request.registry.notify(SeatsCameBack(request, event_id))
    release_listings(dbsession, order_id)
    return True


def release_listings(dbsession, order_id):
    """A lapsed resale hold: its listings go back on resale (their seats are other holders' tickets)."""
    dbsession.execute(
        update(ResaleListing).where(ResaleListing.order_id == order_id, ResaleListing.state == ListingState.HELD)
        .values(state=ListingState.OPEN, order_id=None).execution_options(synchronize_session=False))


def release_expired(request, event_id=None, limit=500):
    """Give back the seats of expired holds (of one event, or all); returns how many orders."""
    query = select(Order.id).where(Order.state == OrderState.HELD, Order.held_until <= now(request),
                                   no_open_payment())
    if event_id is not None:
        query = query.where(Order.id.in_(select(OrderLine.order_id).where(OrderLine.event_id == event_id)))
    released = 0
    for order_id in request.dbsession.scalars(query.order_by(Order.id).limit(limit)).all():
        released += expire_order(request, order_id)
    return released


def refresh(request, order):
    """Bring ``order`` up to date when someone looks at it: expire a lapsed hold (none open at the provider)."""
    if order.state == OrderState.HELD and order.held_until <= now(request):
        expire_order(request, order.id)
        request.dbsession.refresh(order)
    return order


def set_attendees(request, order, names):
    """Save ``[(first, last), ...]`` in seat order; only while the order is held."""
    for attendee, (first, last) in zip(order.attendees, names):
        attendee.first_name, attendee.last_name = first, last


def attendees_complete(order):
    return all(a.first_name and a.last_name for a in order.attendees)


def offers_of(request, event):
    """The event's offers by seats (Solo, Duo, Family): the ones traversal loaded with it, if it did."""
    return list(event.offers)


def orders_of(request, user_id):
    """The person's orders, newest first, each brought up to date (lapsed holds expire)."""
    orders = request.dbsession.scalars(
        select(Order).where(Order.user_id == user_id)
        .options(selectinload(Order.lines).selectinload(OrderLine.event))
        .order_by(Order.created_at.desc(), Order.id.desc())).all()
    for order in orders:
        refresh(request, order)
    return orders


def order_by_reference(request, reference):
    """The order with this reference (any case), or None."""
    return request.dbsession.scalar(select(Order).where(Order.reference == reference.upper()))


def give_back(request, order):
    """The buyer gives the held seats back now, before the hold ends; True if this call did it.

    The hold is ended (``held_until`` = now) by one conditional UPDATE, then
    ``expire_order`` gives the seats back as for any lapsed hold: racing the
    sweep, a payment or a second click, the seats come back exactly once.
    Refused while a payment is open at the provider (the buyer may be paying
    in another tab: the sweep asks the provider before giving those back).
    """
    ended = request.dbsession.execute(
        update(Order).where(Order.id == order.id, Order.state == OrderState.HELD, no_open_payment())
        .values(held_until=now(request)).execution_options(synchronize_session=False)
    ).rowcount
    done = bool(ended) and expire_order(request, order.id)
    request.dbsession.refresh(order)
    return done
