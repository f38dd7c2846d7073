"""Sales: per day, per offer, per event and per sport, of paid orders, refunds counted as refunds.

A sale is an order paid in the period, whatever became of it (still paid,
or cancelled since); a refund is money given back to a buyer of a sale
(``refunds`` rows that succeeded; a late payment refunded before it ever
became a sale is neither). Per day, a refund counts on the day it was
made: the day's revenue is what was sold that day less what was refunded
that day, so a partial refund of 42,50 € on an 85 € order leaves 42,50 €.
Resales are counted apart (``resales_per_day``): what their buyers paid,
less what went back to the sellers; the primary tables leave them out.
Per offer, event and sport, each sale counts net of its own refunds
(shared by its lines pro rata). Orders and tickets count what was sold.
"""
from __future__ import annotations

from sqlalchemy import and_, distinct, func, select

from ...models import Event, Offer, Order, OrderLine, OrderState, Refund, RefundReason, RefundStatus, Sport
from .period import euros, hour_bucket, in_period, lang_of, per_day
# --- sales ----------------------------------------------------------------

SOLD = (OrderState.PAID, OrderState.CANCELLED)


def _refunded_per_order():
    return (select(Refund.order_id, func.sum(Refund.amount_cents).label("cents"))
            .where(Refund.status == RefundStatus.SUCCEEDED).group_by(Refund.order_id).subquery())


def _net(refunded):
    """Revenue of the lines net of their order's refunds, shared by the lines pro rata."""
    line = OrderLine.quantity * OrderLine.unit_price_cents
    return func.sum(line - 1.0 * func.coalesce(refunded.c.cents, 0) * line / func.nullif(Order.total_cents, 0))


def _paid_in(period, resale=False):
    # Orders paid in the period (held ones were never paid, expired ones never sold);
    # primary sales and resales apart (a resale line names its listing).
    line = OrderLine.resale_listing_id.is_not(None) if resale else OrderLine.resale_listing_id.is_(None)
    return and_(Order.state.in_(SOLD), Order.paid_at.is_not(None), in_period(Order.paid_at, period), line)


def _refunds_per_bucket(db, period, resale):
    """(UTC hour, cents) of the refunds made in the period to buyers of sales (or to resellers)."""
    bucket = hour_bucket(db, Refund.succeeded_at)
    reason = Refund.reason == RefundReason.RESALE if resale else Refund.reason != RefundReason.RESALE
    return db.execute(
        select(bucket, func.sum(Refund.amount_cents))
        .join(Order, Order.id == Refund.order_id)
        .where(Refund.status == RefundStatus.SUCCEEDED, Order.paid_at.is_not(None), reason,
               in_period(Refund.succeeded_at, period)).group_by(bucket)
    ).all()


def sales_per_day(request, period):
    db = request.dbsession
    bucket = hour_bucket(db, Order.paid_at)
    rows = db.execute(
        select(bucket, func.count(distinct(Order.id)), func.sum(OrderLine.seats),
               func.sum(OrderLine.quantity * OrderLine.unit_price_cents))
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(_paid_in(period)).group_by(bucket)
    ).all()
    refunds = _refunds_per_bucket(db, period, resale=False)
    days = per_day(period, rows, ("orders", "tickets", "sales_cents"))
    refunded = {row["day"]: row["refunds_cents"] for row in per_day(period, refunds, ("refunds_cents",))}
    for row in days:
        row["refunds_eur"] = euros(refunded[row["day"]])
        row["revenue_eur"] = euros(row.pop("sales_cents") - refunded[row["day"]])
    return days


def resales_per_day(request, period):
    """Resales each day (a Duo/Family pack sold whole is one, with its seats as tickets): what buyers paid,
    what went back to the sellers, what is left (the fees)."""
    db = request.dbsession
    bucket = hour_bucket(db, Order.paid_at)
    rows = db.execute(
        select(bucket, func.count(distinct(OrderLine.resale_listing_id)), func.sum(OrderLine.seats),
               func.sum(OrderLine.quantity * OrderLine.unit_price_cents))
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(_paid_in(period, resale=True)).group_by(bucket)
    ).all()
    days = per_day(period, rows, ("resales", "tickets", "paid_cents"))
    to_sellers = {row["day"]: row["cents"] for row in
                  per_day(period, _refunds_per_bucket(db, period, resale=True), ("cents",))}
    for row in days:
        paid = row.pop("paid_cents")
        row["paid_eur"], row["to_sellers_eur"] = euros(paid), euros(to_sellers[row["day"]])
        row["revenue_eur"] = euros(paid - to_sellers[row["day"]])
    return days


def sales_per_offer(request, period):
    refunded = _refunded_per_order()
    rows = request.dbsession.execute(
        select(Offer.kind, func.sum(OrderLine.quantity), func.sum(OrderLine.seats), _net(refunded))
        .join(OrderLine, OrderLine.offer_id == Offer.id)
        .join(Order, Order.id == OrderLine.order_id)
        .outerjoin(refunded, refunded.c.order_id == Order.id)
        .where(_paid_in(period)).group_by(Offer.kind)
    ).all()
    found = {kind: (int(q or 0), int(s or 0), round(r or 0)) for kind, q, s, r in rows}
    out = []
    for kind in ("solo", "duo", "family"):
        quantity, seats, revenue = found.get(kind, (0, 0, 0))
        out.append({"offer": kind, "offers_sold": quantity, "tickets": seats, "revenue_eur": euros(revenue)})
    return out


def sales_per_event(request, period):
    lang = lang_of(request)
    title = Event.title_fr if lang == "fr" else Event.title_en
    sport = Sport.name_fr if lang == "fr" else Sport.name_en
    refunded = _refunded_per_order()
    revenue = _net(refunded)
    rows = request.dbsession.execute(
        select(Event.code, title, sport, Event.starts_at, func.sum(OrderLine.seats), revenue)
        .join(OrderLine, OrderLine.event_id == Event.id)
        .join(Order, Order.id == OrderLine.order_id)
        .outerjoin(refunded, refunded.c.order_id == Order.id)
        .join(Sport, Sport.id == Event.sport_id)
        .where(_paid_in(period))
        .group_by(Event.id, Event.code, title, sport, Event.starts_at)
        .order_by(revenue.desc(), Event.starts_at)
    ).all()
    return [{"event_code": code, "event": name, "sport": sport_name, "starts_at": starts,
             "tickets": int(seats or 0), "revenue_eur": euros(round(revenue or 0))}
            for code, name, sport_name, starts, seats, revenue in rows]


def sales_per_sport(request, period):
    sport = Sport.name_fr if lang_of(request) == "fr" else Sport.name_en
    refunded = _refunded_per_order()
    revenue = _net(refunded)
    rows = request.dbsession.execute(
        select(sport, func.sum(OrderLine.seats), revenue)
        .join(Event, Event.sport_id == Sport.id)
        .join(OrderLine, OrderLine.event_id == Event.id)
        .join(Order, Order.id == OrderLine.order_id)
        .outerjoin(refunded, refunded.c.order_id == Order.id)
        .where(_paid_in(period))
        .group_by(Sport.id, sport)
        .order_by(revenue.desc(), sport)
    ).all()
    return [{"sport": name, "tickets": int(seats or 0), "revenue_eur": euros(round(revenue or 0))}
            for name, seats, revenue in rows]
