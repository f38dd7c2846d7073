"""The waiting list of sold-out sessions: join, see one's place, leave; seats offered in turn.

When seats come back (a cancelled order, a lapsed hold, a refunded
ticket), ``offer_freed_seats`` reserves them for the first in line who fits
(strict order of arrival: the first whose seats are not all free yet stops
the line): the seats are taken by the usual conditional UPDATE into a held
order of theirs, held ``olympix.waiting_list.offer_hours`` hours (24),
and they get an e-mail. They name the attendees and pay on the order page
like any buyer; unpaid, the hold lapses (the sweep), its seats come back
and pass to the next in line.

``offer_freed_seats`` runs where seats come back: staff and buyer
cancellations, ``olympix sweep-holds``, and whenever a lapsed hold
expires, whichever request expires it (``events.SeatsCameBack``, fired by
booking.expire_order): a buyer short of seats who frees lapsed holds finds
them already offered to the line, never taken ahead of it.
"""
from datetime import timedelta

from pyramid.events import subscriber
from sqlalchemy import exists, func, select, update

from ..events import SeatsCameBack
from ..i18n import _
from ..models import (
    Event,
    Offer,
    Order,
    OrderAttendee,
    OrderLine,
    OrderState,
    User,
    WaitingEntry,
    WaitingState,
)
from . import audit, booking
from .clock import now
from .email import send_email
from .refusals import Refused

IN_LINE = (WaitingState.WAITING, WaitingState.OFFERED)


class WaitingRefused(Refused):
    """Joining or leaving the waiting list was refused; ``message`` says why."""


def sold_out(request, event):
    return booking.on_sale(event, now(request)) and event.seats_left == 0


def entry_of(request, user_id, event_id):
    """The person's place in the line of this event (waiting or offered), or None."""
    return request.dbsession.scalar(select(WaitingEntry).where(
        WaitingEntry.user_id == user_id, WaitingEntry.event_id == event_id, WaitingEntry.state.in_(IN_LINE)))


def place(request, entry):
    """1 for the first in line."""
    return 1 + request.dbsession.scalar(select(func.count(WaitingEntry.id)).where(
        WaitingEntry.event_id == entry.event_id, WaitingEntry.state.in_(IN_LINE), WaitingEntry.id < entry.id))


def _smallest_offer(request, event):
    return request.dbsession.scalar(select(Offer).where(Offer.event_id == event.id)
                                    .order_by(Offer.seats, Offer.price_cents).limit(1))


def join(request, user, event, seats):
    """Put ``user`` in line for ``seats`` seats of the sold-out ``event``. Raises WaitingRefused."""
    per_event = booking.setting(request, "booking.max_per_event")
    if not isinstance(seats, int) or not 1 <= seats <= per_event:
        raise WaitingRefused(_("Choose between 1 and %(max)s seats.", mapping={"max": per_event}))
    if not sold_out(request, event):
        raise WaitingRefused(_("This session is not sold out: book your seats directly."))
    offer = _smallest_offer(request, event)
    if offer is None or seats % offer.seats:
        raise WaitingRefused(_("Seats of this session are sold by %(n)s.", mapping={"n": offer.seats if offer else 1}))
    # The person's own row: two tabs cannot both join.
    request.dbsession.execute(select(User.id).where(User.id == user.id).with_for_update())
    if entry_of(request, user.id, event.id) is not None:
        raise WaitingRefused(_("You are already on the waiting list of this session."))
    if booking.seats_booked(request, user.id, event.id) + seats > per_event:
        raise WaitingRefused(_("At most %(max)s tickets per person for an event; your orders already "
                               "count the rest.", mapping={"max": per_event}))
    entry = WaitingEntry(event_id=event.id, user_id=user.id, seats=seats, state=WaitingState.WAITING,
                         created_at=now(request))
    request.dbsession.add(entry)
    request.dbsession.flush()
    audit.record(request, "waiting_list.join", "event", event.code, actor=user, seats=seats)
    return entry


def leave(request, user, event):
    """Leave the line (an offer made to them is given up: its seats pass on). False if not in line."""
    entry = entry_of(request, user.id, event.id)
    if entry is None:
        return False
    moved = request.dbsession.execute(
        update(WaitingEntry).where(WaitingEntry.id == entry.id, WaitingEntry.state.in_(IN_LINE))
        .values(state=WaitingState.LEFT).execution_options(synchronize_session=False)).rowcount
    if moved and entry.order_id is not None:
        _give_up(request, entry.order_id)
        offer_freed_seats(request, event.id)
    request.dbsession.expire(entry)
    return bool(moved)


def _give_up(request, order_id):
    """The held order of an offer nobody will pay: cancelled, its seats back."""
    dbsession = request.dbsession
    moved = dbsession.execute(update(Order).where(Order.id == order_id, Order.state == OrderState.HELD)
                              .values(state=OrderState.CANCELLED, cancelled_at=now(request))
                              .execution_options(synchronize_session=False)).rowcount
    if moved:
        for event_id, seats in dbsession.execute(select(OrderLine.event_id, OrderLine.seats)
                                                 .where(OrderLine.order_id == order_id)):
            booking.give_back_seats(dbsession, event_id, seats)


def _settle_offers(request, event_id):
    """Offers whose order was paid are used; those whose hold lapsed or was cancelled have lapsed."""
    dbsession = request.dbsession
    offered = dbsession.execute(
        select(WaitingEntry.id, Order.state).join(Order, Order.id == WaitingEntry.order_id)
        .where(WaitingEntry.event_id == event_id, WaitingEntry.state == WaitingState.OFFERED)).all()
    for entry_id, state in offered:
        if state == OrderState.PAID:
            to = WaitingState.USED
        elif state in (OrderState.EXPIRED, OrderState.CANCELLED):
            to = WaitingState.LAPSED
        else:
            continue
        dbsession.execute(update(WaitingEntry).where(WaitingEntry.id == entry_id,
                                                     WaitingEntry.state == WaitingState.OFFERED)
                          .values(state=to).execution_options(synchronize_session=False))


def offer_freed_seats(request, event_id, limit=50):
    """Offer the free seats of ``event_id`` to the line, in order; returns how many offers were made."""
    dbsession = request.dbsession
    # Most seats come back to an event nobody waits for: one read says so.
    if not dbsession.scalar(select(exists().where(WaitingEntry.event_id == event_id,
                                                  WaitingEntry.state.in_(IN_LINE)))):
        return 0
    _settle_offers(request, event_id)
    event = dbsession.get(Event, event_id)
    if event is None or not booking.on_sale(event, now(request)):
        return 0
    offer = _smallest_offer(request, event)
    made = 0
    for entry in dbsession.scalars(select(WaitingEntry).where(
            WaitingEntry.event_id == event_id, WaitingEntry.state == WaitingState.WAITING)
            .order_by(WaitingEntry.id).limit(limit)).all():
        if offer is None or not booking.take_seats(dbsession, event_id, entry.seats):
            break  # the first in line waits for all their seats: nobody passes them
        _reserve(request, entry, event, offer)
        made += 1
    return made


def _reserve(request, entry, event, offer):
    dbsession = request.dbsession
    current = now(request)
    until = current + timedelta(hours=request.registry.settings["olympix.waiting_list.offer_hours"])
    quantity = entry.seats // offer.seats
    user = dbsession.get(User, entry.user_id)
    order = Order(reference=booking.new_reference(), user_id=user.id, state=OrderState.HELD,
                  total_cents=quantity * offer.price_cents, currency="EUR", created_at=current, held_until=until)
    line = OrderLine(event_id=event.id, offer_id=offer.id, quantity=quantity, seats=entry.seats,
                     unit_price_cents=offer.price_cents)
    order.lines.append(line)
    dbsession.add(order)
    dbsession.flush()
    dbsession.add_all(OrderAttendee(order_id=order.id, order_line_id=line.id, position=i,
                                    first_name=user.first_name if i == 0 else "",
                                    last_name=user.last_name if i == 0 else "") for i in range(entry.seats))
    dbsession.execute(update(WaitingEntry).where(WaitingEntry.id == entry.id)
                      .values(state=WaitingState.OFFERED, order_id=order.id, offered_at=current, offer_until=until)
                      .execution_options(synchronize_session=False))
    dbsession.flush()
    send_email(request, "waiting_offer", user.email, user=user, order=order, event=event, until=until)


@subscriber(SeatsCameBack)
def offer_seats_that_came_back(event):
    """A lapsed hold gave seats back (any request, before any sweep): the line first."""
    offer_freed_seats(event.request, event.event_id)


def offer_everywhere(request):
    """Every event with people waiting: offer what is free (``olympix sweep-holds``)."""
    event_ids = request.dbsession.scalars(select(WaitingEntry.event_id).where(
        WaitingEntry.state.in_(IN_LINE)).distinct()).all()
    return sum(offer_freed_seats(request, event_id) for event_id in event_ids)
