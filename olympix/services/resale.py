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
"""
from datetime import timedelta

from sqlalchemy import insert, select, update

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
    Ticket,
    TicketHistory,
    TicketState,
    User,
)
from ..models.tickets import change_state
from . import audit, booking, refunds, tickets
from .clock import now
from .email import send_email
from .refusals import Refused

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


def _setting(request, name):
    return request.registry.settings[f"olympix.resale.{name}"]


def deadline(request, event):
    """When resale of ``event`` closes."""
    return event.starts_at - timedelta(hours=_setting(request, "deadline_before"))


def face_value(ticket):
    """What the holder paid for this seat (a Duo's price is shared by its two seats)."""
    line = ticket.order_line
    return line.unit_price_cents // line.seats_per_unit if line is not None else 0


def listing_of(request, ticket):
    """The live (open or held) listing of ``ticket``, or None."""
    return request.dbsession.scalar(select(ResaleListing).where(
        ResaleListing.ticket_id == ticket.id, ResaleListing.state.in_(LIVE_LISTINGS)))


def can_list(request, ticket):
    """Whether the owner may list ``ticket`` now (live, before the deadline, not listed)."""
    return (ticket.state in tickets.LIVE_STATES and now(request) < deadline(request, ticket.event)
            and face_value(ticket) > 0 and listing_of(request, ticket) is None)


def _history(request, ticket_id, state, reason, actor_id):
    request.dbsession.execute(insert(TicketHistory).values(
        ticket_id=ticket_id, from_state=state, to_state=state, at=now(request), actor_id=actor_id, reason=reason))


def list_ticket(request, ticket, seller):
    """Put ``ticket`` on resale at face value; returns the listing. Raises ResaleRefused, writing nothing."""
    dbsession = request.dbsession
    if ticket.owner_id != seller.id:
        raise ResaleRefused(NOT_YOURS)
    hours = _setting(request, "deadline_before")
    if now(request) >= deadline(request, ticket.event):
        raise ResaleRefused(_("Resale of this session is closed (it closes %(hours)s hours before the start).",
                              mapping={"hours": hours}))
    # The ticket's row, locked: a gate's scan of it waits for this commit, or we for its.
    state = dbsession.scalar(select(Ticket.state).where(Ticket.id == ticket.id).with_for_update())
    if state not in tickets.LIVE_STATES or face_value(ticket) <= 0:
        raise ResaleRefused(NOT_LIVE)
    if listing_of(request, ticket) is not None:
        raise ResaleRefused(ALREADY_LISTED)
    listing = ResaleListing(ticket_id=ticket.id, event_id=ticket.event_id, seller_id=seller.id,
                            price_cents=face_value(ticket), state=ListingState.OPEN, created_at=now(request))
    dbsession.add(listing)
    dbsession.flush()
    _history(request, ticket.id, state, "listed for resale", seller.id)
    audit.record(request, "ticket.resale.list", "ticket", ticket.serial, actor=seller,
                 price_cents=listing.price_cents)
    return listing


def withdraw(request, ticket, seller):
    """Take ``ticket`` off resale (while nobody is paying for it). Raises ResaleRefused."""
    if ticket.owner_id != seller.id:
        raise ResaleRefused(NOT_YOURS)
    moved = request.dbsession.execute(
        update(ResaleListing).where(ResaleListing.ticket_id == ticket.id, ResaleListing.state == ListingState.OPEN)
        .values(state=ListingState.WITHDRAWN, closed_at=now(request))
        .execution_options(synchronize_session=False)).rowcount
    if not moved:
        raise ResaleRefused(GONE if listing_of(request, ticket) is not None else NOT_LISTED)
    _history(request, ticket.id, ticket.state, "withdrawn from resale", seller.id)
    audit.record(request, "ticket.resale.withdraw", "ticket", ticket.serial, actor=seller)


def close_dead(request, event_id):
    """Close the open listings of ``event_id`` whose ticket is no longer live or whose deadline passed."""
    dbsession = request.dbsession
    dead = select(Ticket.id).where(Ticket.state.not_in(tickets.LIVE_STATES))
    query = update(ResaleListing).where(ResaleListing.event_id == event_id,
                                        ResaleListing.state == ListingState.OPEN)
    values = {"state": ListingState.CLOSED, "closed_at": now(request)}
    dbsession.execute(query.where(ResaleListing.ticket_id.in_(dead)).values(**values)
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
    per_event = booking.setting(request, "booking.max_per_event")
    per_account = booking.setting(request, "booking.max_per_account")
    # The buyer's own row, as a primary hold does: two tabs cannot both pass the limits.
    dbsession.execute(select(User.id).where(User.id == buyer.id).with_for_update())
    if booking.seats_booked(request, buyer.id, event.id) + 1 > per_event:
        raise ResaleRefused(_("At most %(max)s tickets per person for an event; your orders already "
                              "count the rest.", mapping={"max": per_event}))
    if booking.seats_booked(request, buyer.id) + 1 > per_account:
        raise ResaleRefused(_("At most %(max)s tickets per account for the whole Games.",
                              mapping={"max": per_account}))
    if listing.state == ListingState.HELD and listing.order_id is not None:
        booking.expire_order(request, listing.order_id)  # a lapsed hold gives it back
    # The one decision: open → held. Nothing is written before it, so a loser leaves no trace.
    taken = dbsession.execute(
        update(ResaleListing).where(ResaleListing.id == listing.id, ResaleListing.state == ListingState.OPEN)
        .values(state=ListingState.HELD).execution_options(synchronize_session=False)).rowcount
    if not taken or listing.ticket.state not in tickets.LIVE_STATES:
        raise ResaleRefused(GONE)
    seller_line = listing.ticket.order_line
    order = Order(reference=booking.new_reference(), user_id=buyer.id, state=OrderState.HELD,
                  total_cents=listing.price_cents, currency="EUR", created_at=current,
                  held_until=current + timedelta(minutes=booking.setting(request, "booking.hold_minutes")))
    line = OrderLine(event_id=event.id, offer_id=seller_line.offer_id, quantity=1, seats=1,
                     unit_price_cents=listing.price_cents, resale_listing_id=listing.id)
    order.lines.append(line)
    dbsession.add(order)
    dbsession.flush()
    dbsession.add(OrderAttendee(order_id=order.id, order_line_id=line.id, position=0,
                                first_name=buyer.first_name, last_name=buyer.last_name))
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


def complete(request, order):
    """The resale order is paid: the seller's ticket off, the buyer's minted, the seller refunded.

    False (nothing minted, nothing changed) when a seller's ticket was used
    or cancelled in the meantime: the caller refunds the buyer.
    """
    dbsession = request.dbsession
    current = now(request)
    attendees = {a.order_line_id: a for a in order.attendees}
    for line in order.lines:
        listing = dbsession.get(ResaleListing, line.resale_listing_id)
        if listing.state != ListingState.HELD or listing.order_id != order.id:
            return False
        seller_ticket = listing.ticket
        if change_state(dbsession, seller_ticket.id, TicketState.DEACTIVATED, at=current,
                        allowed_from=set(tickets.LIVE_STATES), actor_id=order.user_id,
                        reason=SOLD_REASON) is None:
            booking.release_listings(dbsession, order.id)
            return False
        dbsession.expire(seller_ticket, ["state", "state_changed_at", "state_reason"])
        attendee = attendees.get(line.id)
        row = tickets.ticket_row(request, order_id=order.id, order_line_id=line.id, event_id=line.event_id,
                                 owner_id=order.user_id, first_name=attendee.first_name if attendee else "",
                                 last_name=attendee.last_name if attendee else "", at=current,
                                 replaces_id=seller_ticket.id)
        new_id = dbsession.execute(insert(Ticket).values(row)).inserted_primary_key[0]
        dbsession.execute(insert(TicketHistory).values(
            ticket_id=new_id, from_state=None, to_state=TicketState.PAID, at=current, actor_id=order.user_id,
            reason="bought at resale"))
        dbsession.execute(update(ResaleListing).where(ResaleListing.id == listing.id)
                          .values(state=ListingState.SOLD, closed_at=current)
                          .execution_options(synchronize_session=False))
        audit.record(request, "ticket.resale.sold", "ticket", seller_ticket.serial, actor=order.buyer,
                     serial=row["serial"], order=order.reference, price_cents=listing.price_cents)
        _pay_the_seller(request, listing, seller_ticket)
    return True


def _pay_the_seller(request, listing, seller_ticket):
    amount = listing.price_cents - _setting(request, "fee_cents")
    payment = request.dbsession.scalar(
        select(Payment).where(Payment.order_id == seller_ticket.order_id,
                              Payment.status.in_((PaymentStatus.PAID, PaymentStatus.REFUNDED)))
        .order_by(Payment.id))
    seller = request.dbsession.get(User, listing.seller_id)
    send_email(request, "ticket_resold", seller.email, user=seller, listing=listing, ticket=seller_ticket,
               amount_cents=max(amount, 0))
    if amount > 0 and payment is not None and payment.amount_cents - payment.refunded_cents >= amount:
        refunds.refund_or_retry(request, payment, reason=RefundReason.RESALE, amount_cents=amount,
                                key_suffix=f"resale-{listing.id}")
