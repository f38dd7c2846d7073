"""Sales: per day, per offer, per event and per sport, of paid orders."""
from __future__ import annotations

from sqlalchemy import and_, distinct, func, select

from ...models import Event, Offer, Order, OrderLine, OrderState, Sport
from .period import euros, hour_bucket, in_period, lang_of, per_day
# --- sales ----------------------------------------------------------------

REVENUE = func.sum(OrderLine.quantity * OrderLine.unit_price_cents)


def _paid_in(period):
    # Paid orders only: cancelled ones were refunded, held ones not paid.
    return and_(Order.state == OrderState.PAID, in_period(Order.paid_at, period))


def sales_per_day(request, period):
    db = request.dbsession
    bucket = hour_bucket(db, Order.paid_at)
    rows = db.execute(
        select(bucket, func.count(distinct(Order.id)), func.sum(OrderLine.seats), REVENUE)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(_paid_in(period)).group_by(bucket)
    ).all()
    days = per_day(period, rows, ("orders", "tickets", "revenue_cents"))
    for row in days:
        row["revenue_eur"] = euros(row.pop("revenue_cents"))
    return days


def sales_per_offer(request, period):
    rows = request.dbsession.execute(
        select(Offer.kind, func.sum(OrderLine.quantity), func.sum(OrderLine.seats), REVENUE)
        .join(OrderLine, OrderLine.offer_id == Offer.id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(_paid_in(period)).group_by(Offer.kind)
    ).all()
    found = {kind: (int(q or 0), int(s or 0), int(r or 0)) for kind, q, s, r in rows}
    out = []
    for kind in ("solo", "duo", "family"):
        quantity, seats, revenue = found.get(kind, (0, 0, 0))
        out.append({"offer": kind, "offers_sold": quantity, "tickets": seats, "revenue_eur": euros(revenue)})
    return out


def sales_per_event(request, period):
    lang = lang_of(request)
    title = Event.title_fr if lang == "fr" else Event.title_en
    sport = Sport.name_fr if lang == "fr" else Sport.name_en
    rows = request.dbsession.execute(
        select(Event.code, title, sport, Event.starts_at, func.sum(OrderLine.seats), REVENUE)
        .join(OrderLine, OrderLine.event_id == Event.id)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Sport, Sport.id == Event.sport_id)
        .where(_paid_in(period))
        .group_by(Event.id, Event.code, title, sport, Event.starts_at)
        .order_by(REVENUE.desc(), Event.starts_at)
    ).all()
    return [{"event_code": code, "event": name, "sport": sport_name, "starts_at": starts,
             "tickets": int(seats or 0), "revenue_eur": euros(revenue)}
            for code, name, sport_name, starts, seats, revenue in rows]


def sales_per_sport(request, period):
    sport = Sport.name_fr if lang_of(request) == "fr" else Sport.name_en
    rows = request.dbsession.execute(
        select(sport, func.sum(OrderLine.seats), REVENUE)
        .join(Event, Event.sport_id == Sport.id)
        .join(OrderLine, OrderLine.event_id == Event.id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(_paid_in(period))
        .group_by(Sport.id, sport)
        .order_by(REVENUE.desc(), sport)
    ).all()
    return [{"sport": name, "tickets": int(seats or 0), "revenue_eur": euros(revenue)}
            for name, seats, revenue in rows]
