"""Face-value resale: list a ticket, withdraw it, buy it through the usual payment path.

- ``list_ticket``: the holder puts a live ticket on resale at the face value
  they paid, until ``olympix.resale.deadline_before`` hours (12) before the
  session. The ticket row is read ``FOR UPDATE`` while the listing is
  written, so a gate scan committing first makes the listing fail, and one
  committing after finds the listing open but the ticket scanned: such a
  listing is closed wherever it is read (``open_listings``) and can never
  be bought (the sale's conditional UPDATE of the ticket finds it used).
- ``hold``: a buyer holds a listing (one conditional UPDATE ``open →
  held``: of twenty buyers at once exactly one gets it, the others a clear
  refusal with nothing written) with the per-person limits of a primary
  sale; the order is then paid like any other (``services/payments``).
- ``complete``: on payment, in the payment's transaction: the seller's
  ticket goes live → deactivated ("revendu", one conditional UPDATE), a new
  ticket is minted for the buyer (new ``ticket_key``, new code, the buyer's
  attendee name), the listing is sold; then the seller is refunded the face
  value less ``olympix.resale.fee_cents`` (a refund row retried until the
  provider takes it) and told by e-mail. When the seller's ticket was used
  or cancelled meanwhile, nothing is minted and the buyer is refunded.
- A lapsed resale hold gives its listing back (``booking.release_listings``).

A listing is one ticket or a whole Duo/Family pack (``list_pack``): the
pack's still-valid tickets together, at the pack's face value, bought whole
(one hold, one payment, one ticket minted per seat in the buyer's attendee
names, one refund to the seller). Any of its tickets used or cancelled
closes it; a pack with a ticket already scanned is not listed as a pack.
"""
from datetime import timedelta

from sqlalchemy import exists, insert, select, update

from ..i18n import _
from ..models import (
    ListingState,
    Order,
    OrderAttendee,
    OrderLine,
    OrderState,
    Payment,
    PaymentStatus,
    RefundReason,
    ResaleListing,
    ResaleListingTicket,
    Ticket,
    TicketHistory,
    TicketState,
    User,
)
from ..models.tickets import change_state
from . import audit, booking, refunds, tickets, waiting_room
from .clock import now
from .email import send_email
from .refusals import Refused
from .resale_packs import face_value, pack_of, pack_price

SOLD_REASON = "revendu"  # what the seller's ticket says, at the gate and in its history
LIVE_LISTINGS = (ListingState.OPEN, ListingState.HELD)


class ResaleRefused(Refused):
    """A rule said no; ``message`` is for the person (a TranslationString)."""


NOT_YOURS = _("This ticket is not yours.")
NOT_LIVE = _("This ticket can no longer be resold: it has been used, cancelled or replaced.")
TOO_LATE = _("Resale of this session is closed (it closes %(hours)s hours before the start).")
ALREADY_LISTED = _("This ticket is already on resale.")
NOT_LISTED = _("This ticket is not on resale.")
GONE = _("This resale ticket has just been taken by another buyer or withdrawn.")
OWN = _("This is your own ticket.")
NOT_A_PACK = _("These tickets are not a Duo or Family pack any more: resell them one by one.")
PACK_USED = _("A ticket of this pack has already been used at the gate: resell the others one by one.")
PACK_LISTED = _("A ticket of this pack is already on resale: withdraw it first.")


def _setting(request, name):
    return request.registry.settings[f"olympix.resale.{name}"]


def deadline(request, event):
    """When resale of ``event`` closes."""
    return event.starts_at - timedelta(hours=_setting(request, "deadline_before"))


def listing_of(request, ticket):
    """The live (open or held) listing holding ``ticket`` (alone or in its pack), or None."""
    return request.dbsession.scalar(
        select(ResaleListing).join(ResaleListingTicket, ResaleListingTicket.listing_id == ResaleListing.id)
        .where(ResaleListingTicket.ticket_id == ticket.id, ResaleListing.state.in_(LIVE_LISTINGS)))


def listings_of(request, some_tickets):
    """``{ticket id: the live listing holding it}`` for ``some_tickets``, in one query."""
    ids = [t.id for t in some_tickets]
    if not ids:
        return {}
    return dict(request.dbsession.execute(
        select(ResaleListingTicket.ticket_id, ResaleListing)
        .join(ResaleListing, ResaleListingTicket.listing_id == ResaleListing.id)
        .where(ResaleListingTicket.ticket_id.in_(ids), ResaleListing.state.in_(LIVE_LISTINGS))).all())


def _listed(request, ticket, listed):
    return listing_of(request, ticket) if listed is None else listed.get(ticket.id)


def can_list(request, ticket, listed=None):
    """Whether the owner may list ``ticket`` now (live, before the deadline, not listed).

    ``listed``: ``listings_of`` a set of tickets holding this one (else it is read)."""
    return (ticket.state in tickets.LIVE_STATES and now(request) < deadline(request, ticket.event)
            and face_value(ticket) > 0 and _listed(request, ticket, listed) is None)


def listable_pack(request, ticket, listed=None, order_tickets=None):
    """The live tickets of ``ticket``'s pack if its owner may list them as one now, else None.

    ``listed`` as for ``can_list``; ``order_tickets``: every ticket of its order, if already read."""
    pack = pack_of(request, ticket, order_tickets)
    live = [t for t in pack if t.state in tickets.LIVE_STATES]
    if len(live) < 2 or any(t.state == TicketState.SCANNED for t in pack) or pack_price(live) <= 0:
        return None
    if now(request) >= deadline(request, ticket.event) or any(_listed(request, t, listed) for t in live):
        return None
    return live


def order_resale(request, order_tickets):
    """What an order's page offers for resale, from ``order_tickets`` (all of the order's), in one query.

    Returns ``({ticket id: (its live listing or None, whether it may be
    listed now)}, [(first ticket, seats, price)])`` for the live tickets its
    buyer still holds, and the packs they may list whole.
    """
    held = [t for t in order_tickets if t.state in tickets.LIVE_STATES and t.owner_id == t.order.user_id]
    listed = listings_of(request, held)
    each = {t.id: (listed.get(t.id), can_list(request, t, listed)) for t in held}
    packs, seen = [], set()
    for ticket in held:
        if ticket.id in seen:
            continue
        pack = pack_of(request, ticket, order_tickets)
        seen.update(t.id for t in pack)
        live = listable_pack(request, ticket, listed, order_tickets)
        if live:
            packs.append((live[0], len(live), pack_price(live)))
    return each, packs


def _history(request, ticket_id, state, reason, actor_id):
    request.dbsession.execute(insert(TicketHistory).values(
        ticket_id=ticket_id, from_state=state, to_state=state, at=now(request), actor_id=actor_id, reason=reason))


def _refuse_late(request, event):
    if now(request) >= deadline(request, event):
        raise ResaleRefused(_("Resale of this session is closed (it closes %(hours)s hours before the start).",
                              mapping={"hours": _setting(request, "deadline_before")}))


def _locked_states(request, ticket_ids):
    """The tickets' states, their rows locked (in id order): a gate's scan waits for this commit, or we for its."""
    return dict(request.dbsession.execute(select(Ticket.id, Ticket.state).where(Ticket.id.in_(ticket_ids))
                                          .order_by(Ticket.id).with_for_update()).all())


def _open_listing(request, seller, listed, states, price):
    dbsession = request.dbsession
    first = listed[0]
    listing = ResaleListing(ticket_id=first.id, event_id=first.event_id, seller_id=seller.id, price_cents=price,
                            seats=len(listed), state=ListingState.OPEN, created_at=now(request))
    dbsession.add(listing)
    dbsession.flush()
    dbsession.execute(insert(ResaleListingTicket), [{"listing_id": listing.id, "ticket_id": t.id} for t in listed])
    for ticket in listed:
        _history(request, ticket.id, states[ticket.id], "listed for resale", seller.id)
    audit.record(request, "ticket.resale.list", "ticket", first.serial, actor=seller, price_cents=price,
                 seats=len(listed), serials=[t.serial for t in listed])
    return listing


def list_ticket(request, ticket, seller):
    """Put ``ticket`` on resale at face value; returns the listing. Raises ResaleRefused, writing nothing."""
    if ticket.owner_id != seller.id:
        raise ResaleRefused(NOT_YOURS)
    _refuse_late(request, ticket.event)
    states = _locked_states(request, [ticket.id])
    if states.get(ticket.id) not in tickets.LIVE_STATES or face_value(ticket) <= 0:
        raise ResaleRefused(NOT_LIVE)
    if listing_of(request, ticket) is not None:
        raise ResaleRefused(ALREADY_LISTED)
    return _open_listing(request, seller, [ticket], states, face_value(ticket))


def list_pack(request, ticket, seller):
    """Put ``ticket``'s whole Duo/Family pack on resale as one listing (its live tickets, at the pack's face
    value); returns the listing. Raises ResaleRefused, writing nothing."""
    pack = pack_of(request, ticket)
    if any(t.owner_id != seller.id for t in pack):
        raise ResaleRefused(NOT_YOURS)
    _refuse_late(request, ticket.event)
    states = _locked_states(request, [t.id for t in pack])
    if TicketState.SCANNED in states.values():
        raise ResaleRefused(PACK_USED)
    live = [t for t in pack if states.get(t.id) in tickets.LIVE_STATES]
    if len(live) < 2 or pack_price(live) <= 0:
        raise ResaleRefused(NOT_A_PACK if ticket.state in tickets.LIVE_STATES else NOT_LIVE)
    if any(listing_of(request, t) is not None for t in live):
        raise ResaleRefused(PACK_LISTED)
    return _open_listing(request, seller, live, states, pack_price(live))


def withdraw(request, ticket, seller):
    """Take ``ticket``'s listing (the ticket, or its whole pack) off resale while nobody pays for it.

    Returns the listing; raises ResaleRefused."""
    if ticket.owner_id != seller.id:
        raise ResaleRefused(NOT_YOURS)
    listing = listing_of(request, ticket)
    moved = listing is not None and request.dbsession.execute(
        update(ResaleListing).where(ResaleListing.id == listing.id, ResaleListing.state == ListingState.OPEN)
        .values(state=ListingState.WITHDRAWN, closed_at=now(request))
        .execution_options(synchronize_session=False)).rowcount
    if not moved:
        raise ResaleRefused(GONE if listing is not None else NOT_LISTED)
    for listed in listing.tickets:
        _history(request, listed.id, listed.state, "withdrawn from resale", seller.id)
    audit.record(request, "ticket.resale.withdraw", "ticket", listing.tickets[0].serial, actor=seller,
                 seats=listing.seats)
    return listing


def close_dead(request, event_id):
    """Close the open listings of ``event_id`` one of whose tickets is no longer live."""
    dbsession = request.dbsession
    # Correlated to each open listing: only its own tickets are read.
    dead = exists().where(ResaleListingTicket.listing_id == ResaleListing.id,
                          Ticket.id == ResaleListingTicket.ticket_id, Ticket.state.not_in(tickets.LIVE_STATES))
    query = update(ResaleListing).where(ResaleListing.event_id == event_id,
                                        ResaleListing.state == ListingState.OPEN)
    values = {"state": ListingState.CLOSED, "closed_at": now(request)}
    dbsession.execute(query.where(dead).values(**values)
                      .execution_options(synchronize_session=False))


def open_listings(request, event):
    """The listings a buyer may take on ``event``, cheapest first (none after the deadline)."""
    if now(request) >= deadline(request, event):
        return []
    close_dead(request, event.id)
    return request.dbsession.scalars(
        select(ResaleListing).where(ResaleListing.event_id == event.id, ResaleListing.state == ListingState.OPEN)
        .order_by(ResaleListing.price_cents, ResaleListing.id)).all()


def hold(request, buyer, event, listing_id):
    """Hold the listing ``listing_id`` of ``event`` for ``buyer``: a new held order. Raises ResaleRefused."""
    dbsession = request.dbsession
    listing = dbsession.get(ResaleListing, listing_id) if isinstance(listing_id, int) else None
    if listing is None or listing.event_id != event.id:
        raise ResaleRefused(GONE)
    if listing.seller_id == buyer.id:
        raise ResaleRefused(OWN)
    current = now(request)
    if current >= deadline(request, event) or not booking.on_sale(event, current):
        raise ResaleRefused(_("This event is not on sale."))
    # A queued sale admits its buyers in turn, to its resale too: a pass, as for a primary hold.
    if waiting_room.may_hold(request, event, buyer) is not None:
        raise ResaleRefused(booking.NOT_YOUR_TURN)
    seats = listing.seats
    per_event = booking.setting(request, "booking.max_per_event")
    per_account = booking.setting(request, "booking.max_per_account")
    # The buyer's own row, as a primary hold does: two tabs cannot both pass the limits.
    dbsession.execute(select(User.id).where(User.id == buyer.id).with_for_update())
    if booking.seats_booked(request, buyer.id, event.id) + seats > per_event:
        raise ResaleRefused(_("At most %(max)s tickets per person for an event; your orders already "
                              "count the rest.", mapping={"max": per_event}))
    if booking.seats_booked(request, buyer.id) + seats > per_account:
        raise ResaleRefused(_("At most %(max)s tickets per account for the whole Games.",
                              mapping={"max": per_account}))
    if listing.state == ListingState.HELD and listing.order_id is not None:
        booking.expire_order(request, listing.order_id)  # a lapsed hold gives it back
    # A listing whose ticket was used or cancelled is not taken (close_dead closes it on the event page).
    if any(ticket.state not in tickets.LIVE_STATES for ticket in listing.tickets):
        raise ResaleRefused(GONE)
    # The one decision: open → held. Nothing is written before it, so a loser leaves no trace.
    taken = dbsession.execute(
        update(ResaleListing).where(ResaleListing.id == listing.id, ResaleListing.state == ListingState.OPEN)
        .values(state=ListingState.HELD).execution_options(synchronize_session=False)).rowcount
    if not taken:
        raise ResaleRefused(GONE)
    seller_line = listing.ticket.order_line
    order = Order(reference=booking.new_reference(), user_id=buyer.id, state=OrderState.HELD,
                  total_cents=listing.price_cents, currency="EUR", created_at=current,
                  held_until=current + timedelta(minutes=booking.setting(request, "booking.hold_minutes")))
    line = OrderLine(event_id=event.id, offer_id=seller_line.offer_id, quantity=1, seats=seats,
                     unit_price_cents=listing.price_cents, resale_listing_id=listing.id)
    order.lines.append(line)
    dbsession.add(order)
    dbsession.flush()
    # As a primary pack: the first seat in the buyer's name, the others named before paying.
    dbsession.add_all(OrderAttendee(order_id=order.id, order_line_id=line.id, position=i,
                                    first_name=buyer.first_name if i == 0 else "",
                                    last_name=buyer.last_name if i == 0 else "") for i in range(seats))
    dbsession.execute(update(ResaleListing).where(ResaleListing.id == listing.id).values(order_id=order.id)
                      .execution_options(synchronize_session=False))
    dbsession.expire(listing)
    dbsession.flush()
    return order


def is_resale(order):
    return any(line.resale_listing_id for line in order.lines)


def retake(request, order):
    """A late payment of a lapsed resale hold: take its listings again if still open; True if all."""
    dbsession = request.dbsession
    ids = [line.resale_listing_id for line in order.lines if line.resale_listing_id]
    moved = dbsession.execute(
        update(ResaleListing).where(ResaleListing.id.in_(ids), ResaleListing.state == ListingState.OPEN)
        .values(state=ListingState.HELD, order_id=order.id).execution_options(synchronize_session=False)).rowcount
    if moved == len(ids):
        return True
    booking.release_listings(dbsession, order.id)
    return False


class _SeatGone(Exception):
    """A seller's ticket was used or cancelled before its sale: undo the pack's savepoint."""


def complete(request, order):
    """The resale order is paid: the seller's tickets off, the buyer's minted, the seller refunded.

    False (nothing minted, nothing changed) when a seller's ticket was used
    or cancelled in the meantime: the caller refunds the buyer. A pack's
    tickets move in a savepoint, undone if one of them cannot: sold whole or
    not at all. (Not ``SELECT … FOR UPDATE`` first: a gate's conditional
    UPDATE locks the state index before the row, and the opposite order
    here deadlocked with it.)
    """
    dbsession = request.dbsession
    current = now(request)
    for line in order.lines:
        listing = dbsession.get(ResaleListing, line.resale_listing_id)
        if listing.state != ListingState.HELD or listing.order_id != order.id:
            return False
        sold = listing.tickets
        try:
            with dbsession.begin_nested():
                for seller_ticket in sold:
                    if change_state(dbsession, seller_ticket.id, TicketState.DEACTIVATED, at=current,
                                    allowed_from=set(tickets.LIVE_STATES), actor_id=order.user_id,
                                    reason=SOLD_REASON) is None:
                        raise _SeatGone
        except _SeatGone:
            booking.release_listings(dbsession, order.id)
            return False
        names = [a for a in order.attendees if a.order_line_id == line.id]  # in seat order
        serials = []
        for seat, seller_ticket in enumerate(sold):
            dbsession.expire(seller_ticket, ["state", "state_changed_at", "state_reason"])
            attendee = names[seat] if seat < len(names) else None
            row = tickets.ticket_row(request, order_id=order.id, order_line_id=line.id, event_id=line.event_id,
                                     owner_id=order.user_id, first_name=attendee.first_name if attendee else "",
                                     last_name=attendee.last_name if attendee else "", at=current,
                                     replaces_id=seller_ticket.id)
            new_id = dbsession.execute(insert(Ticket).values(row)).inserted_primary_key[0]
            dbsession.execute(insert(TicketHistory).values(
                ticket_id=new_id, from_state=None, to_state=TicketState.PAID, at=current, actor_id=order.user_id,
                reason="bought at resale"))
            serials.append(row["serial"])
        dbsession.execute(update(ResaleListing).where(ResaleListing.id == listing.id)
                          .values(state=ListingState.SOLD, closed_at=current)
                          .execution_options(synchronize_session=False))
        audit.record(request, "ticket.resale.sold", "ticket", sold[0].serial, actor=order.buyer,
                     serial=serials[0], serials=serials, sold=[t.serial for t in sold], order=order.reference,
                     price_cents=listing.price_cents)
        _pay_the_seller(request, listing, sold)
    return True


def _pay_the_seller(request, listing, sold):
    """One refund of the listing's price (a pack's whole face value) to the seller's card, and an e-mail."""
    amount = listing.price_cents - _setting(request, "fee_cents")
    payment = request.dbsession.scalar(
        select(Payment).where(Payment.order_id == sold[0].order_id,
                              Payment.status.in_((PaymentStatus.PAID, PaymentStatus.REFUNDED)))
        .order_by(Payment.id))
    seller = request.dbsession.get(User, listing.seller_id)
    send_email(request, "ticket_resold", seller.email, user=seller, listing=listing, ticket=sold[0], tickets=sold,
               amount_cents=max(amount, 0))
    if amount > 0 and payment is not None and payment.amount_cents - payment.refunded_cents >= amount:
        refunds.refund_or_retry(request, payment, reason=RefundReason.RESALE, amount_cents=amount,
                                key_suffix=f"resale-{listing.id}")
