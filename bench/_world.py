"""The ONE bench module that imports olympix internals: seeding.

The benchmarks drive the application over HTTP and through the
``olympix`` command; what cannot be made that way fast enough (hundreds of
buyers with a password, thousands of tickets with their codes, paid orders
to render) is inserted here, through the application's own models and
services inside a ``bootstrap`` request of the ini the server runs. When
the refactor going on renames an internal, this is the file to update.

Also here: the SQL that checks a sale's figures afterwards (it knows the
schema's table and column names).
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta

from pyramid.paster import bootstrap
from sqlalchemy import insert, select

from olympix.models import (
    Event,
    Offer,
    Order,
    OrderAttendee,
    OrderLine,
    Payment,
    Sport,
    Ticket,
    User,
    Venue,
)
from olympix.models.gate import Gate
from olympix.security import atrest, ticket_code
from olympix.gate import tokens as gate_tokens
from olympix.services import tickets as ticket_service
from olympix.services.booking import new_reference
from olympix.interfaces import IClock

OFFERS = (("solo", 1), ("duo", 2), ("family", 4))
PRICES = {"solo": 4500, "duo": 8000, "family": 15000}


class _Request:
    """``with _Request(ini) as request:`` a request of the app, committed at the end."""

    def __init__(self, ini):
        self.ini = ini

    def __enter__(self):
        self.env = bootstrap(self.ini)
        self.request = self.env["request"]
        self.request.tm.begin()
        return self.request

    def __exit__(self, exc_type, *rest):
        try:
            if exc_type is None:
                self.request.tm.commit()
            else:
                self.request.tm.abort()
        finally:
            self.env["closer"]()
        return False


def _now(request):
    return request.find_service(IClock).now()


def _keys(request):
    settings = request.registry.settings
    return settings["olympix.data_keys.parsed"], settings["olympix.ticket_keys.parsed"]


def make_users(ini, prefix, count, password, role="user", first_name="Ada", last_name="Lovelace"):
    """``count`` active accounts ``{prefix}{i}@bench.olympix.test``; returns [(id, email)].

    The password is hashed ONCE at the configured argon2 cost and the hash
    shared (it carries its own salt): signing in still costs a real verify.
    """
    with _Request(ini) as request:
        data_keys, _ticket_keys = _keys(request)
        password_hash = request.passwords.hash(password)
        current = _now(request)
        users = [User(email=f"{prefix}{i}@bench.olympix.test", first_name=first_name,
                      last_name=f"{last_name} {i}" if count > 1 else last_name,
                      password_hash=password_hash, role=role, state="active", locale="fr",
                      user_key=atrest.seal(data_keys, atrest.new_key(), "user_key"),
                      created_at=current, activated_at=current)
                 for i in range(count)]
        request.dbsession.add_all(users)
        request.dbsession.flush()
        return [(u.id, u.email) for u in users]


def _sport_and_venue(request, venue_capacity=80000):
    db = request.dbsession
    sport = db.scalar(select(Sport).where(Sport.slug == "bench-athletics"))
    if sport is None:
        sport = Sport(slug="bench-athletics", name_fr="Athlétisme", name_en="Athletics", icon="athletics.svg")
        db.add(sport)
    venue = db.scalar(select(Venue).where(Venue.slug == "bench-stade"))
    if venue is None:
        venue = Venue(slug="bench-stade", name_fr="Stade de France", name_en="Stade de France",
                      city="Saint-Denis", address="93200 Saint-Denis", capacity=venue_capacity)
        db.add(venue)
    db.flush()
    return sport, venue


def make_event(ini, tag, capacity, starts_in=timedelta(hours=6)):
    """A published event with Solo/Duo/Family; returns {"id", "slug", "offers": {kind: id}}."""
    with _Request(ini) as request:
        sport, venue = _sport_and_venue(request)
        start = _now(request) + starts_in
        event = Event(slug=f"bench-{tag}", code=f"BEN-{tag}"[:32], sport_id=sport.id, venue_id=venue.id,
                      title_fr=f"Athlétisme — {tag}", title_en=f"Athletics — {tag}",
                      description_fr="Une session de banc d'essai.", description_en="A bench session.",
                      starts_at=start, ends_at=start + timedelta(hours=3), capacity=capacity,
                      seats_left=capacity, state="published", image="sports/athletics.svg")
        for kind, seats in OFFERS:
            event.offers.append(Offer(kind=kind, seats=seats, price_cents=PRICES[kind]))
        request.dbsession.add(event)
        request.dbsession.flush()
        return {"id": event.id, "slug": event.slug, "venue_id": venue.id,
                "offers": {o.kind: o.id for o in event.offers}}


def _paid_order(request, user, event_id, offer_id, seats, current, names):
    order = Order(reference=new_reference(), user_id=user.id, state="paid", total_cents=seats * 4500,
                  currency="EUR", created_at=current, held_until=current, paid_at=current)
    line = OrderLine(event_id=event_id, offer_id=offer_id, quantity=1, seats=seats, unit_price_cents=seats * 4500)
    order.lines.append(line)
    order.payments.append(Payment(provider="bench", checkout_id=f"bench-{order.reference}", status="paid",
                                  amount_cents=seats * 4500, refunded_cents=0, brand="visa", last4="4242",
                                  created_at=current, updated_at=current))
    request.dbsession.add(order)
    request.dbsession.flush()
    request.dbsession.add_all(OrderAttendee(order_id=order.id, order_line_id=line.id, position=i,
                                            first_name=names[i % len(names)][0], last_name=names[i % len(names)][1])
                              for i in range(seats))
    request.dbsession.flush()
    return order, line


def make_gate_world(ini, app_tickets, base_tickets, devices):
    """An event at a gate's venue, starting within the hour; tickets with their real codes.

    Returns {"gate", "tokens" (one per device), "codes" (app tickets),
    "base_ids" (tickets for the bare view), "agent_id", "event_id"}.
    """
    (agent_id, _), = make_users(ini, "agent", 1, "bench agent password", role="agent",
                                first_name="Karim", last_name="Diallo")
    (buyer_id, _), = make_users(ini, "holder", 1, "bench holder password")
    event = make_event(ini, "gate", app_tickets + base_tickets + 10, starts_in=timedelta(minutes=50))
    with _Request(ini) as request:
        db = request.dbsession
        current = _now(request)
        data_keys, ticket_keys = _keys(request)
        gate = Gate(venue_id=event["venue_id"], code="bench-stade-a", name="Porte A", active=True, created_at=current)
        db.add(gate)
        db.flush()
        agent = db.get(User, agent_id)
        tokens = [gate_tokens.issue_token(request, gate, agent, f"lane {i + 1}")[1] for i in range(devices)]
        buyer = db.get(User, buyer_id)
        order, line = _paid_order(request, buyer, event["id"], event["offers"]["solo"], 1, current,
                                  [("Marie", "Dupont")])
        user_key = atrest.unseal(data_keys, buyer.user_key, "user_key")
        codes, rows = [], []
        serials = set()
        for i in range(app_tickets + base_tickets):
            serial = secrets.randbelow(ticket_code.MAX_SERIAL - 2) + 1
            while serial in serials:
                serial = secrets.randbelow(ticket_code.MAX_SERIAL - 2) + 1
            serials.add(serial)
            raw = atrest.new_key()
            rows.append({"serial": serial, "order_id": order.id, "order_line_id": line.id, "event_id": event["id"],
                         "owner_id": buyer.id, "attendee_first_name": "Marie", "attendee_last_name": f"Dupont {i}",
                         "ticket_key": atrest.seal(data_keys, raw, "ticket_key"), "state": "paid",
                         "created_at": current, "state_changed_at": current})
            if i < app_tickets:
                codes.append((serial, ticket_code.encode(serial, user_key, raw, ticket_keys)))
        for start in range(0, len(rows), 1000):
            db.execute(insert(Ticket), rows[start:start + 1000])
        by_serial = dict(db.execute(select(Ticket.serial, Ticket.id).where(Ticket.order_id == order.id)).all())
        return {"gate": gate.code, "tokens": tokens, "codes": [c for _s, c in codes],
                "base_ids": [by_serial[r["serial"]] for r in rows[app_tickets:]],
                "agent_id": agent_id, "gate_id": gate.id, "event_id": event["id"], "buyer_id": buyer_id}


def made_up_code(keyring_id="A"):
    """A code of the right shape that no ticket has (decrypts to noise)."""
    import base64

    return "OX" + keyring_id + base64.b32encode(os.urandom(16)).decode().rstrip("=")


def ticket_key_id(ini):
    with _Request(ini) as request:
        return _keys(request)[1].current


def make_paid_orders(ini, buyer_id, event, count, tickets_each):
    """``count`` paid orders of ``tickets_each`` tickets (minted by the app's own code); returns references."""
    names = [("Ada", "Lovelace"), ("Grace", "Hopper"), ("Alan", "Turing"), ("Marie", "Curie")]
    references = []
    with _Request(ini) as request:
        buyer = request.dbsession.get(User, buyer_id)
        current = _now(request)
        for _ in range(count):
            order, _line = _paid_order(request, buyer, event["id"], event["offers"]["solo"], tickets_each,
                                       current, names)
            ticket_service.mint(request, order)
            references.append(order.reference)
    return references


def pdf_html(ini, reference):
    """The HTML the app gives weasyprint for this order's tickets (the PDF baseline renders it)."""
    from pyramid.renderers import render

    from olympix.services import ticket_pdf

    with _Request(ini) as request:
        order = request.dbsession.scalar(select(Order).where(Order.reference == reference))
        pages = [ticket_pdf.ticket_facts(request, t) for t in ticket_service.tickets_of_order(request, order.id)]
        return render("olympix:templates/booking/ticket_pdf.jinja2", {"pages": pages}, request=request)


def catalogue_samples(db_sql):
    """A sport slug, a city and an event slug of the demo catalogue (``db_sql(statement)`` runs SQL)."""
    sport, city = db_sql("SELECT s.slug, v.city FROM events e JOIN sports s ON s.id = e.sport_id "
                         "JOIN venues v ON v.id = e.venue_id WHERE e.state = 'published' "
                         "GROUP BY s.slug, v.city ORDER BY COUNT(*) DESC LIMIT 1")[0]
    event = db_sql("SELECT slug FROM events WHERE state = 'published' AND starts_at > UTC_TIMESTAMP() "
                   "ORDER BY starts_at LIMIT 1")[0][0]
    return sport, city, event


# -- after a run: what was sold, checked in SQL ------------------------------------------------

def sales_check(db_sql, event_id):
    """The event's figures: sold = capacity - seats left - held, nothing oversold, no paid order without tickets."""
    capacity, seats_left = db_sql("SELECT capacity, seats_left FROM events WHERE id = %s", (event_id,))[0]
    tickets = db_sql("SELECT COUNT(*) FROM tickets WHERE event_id = %s", (event_id,))[0][0]
    held = db_sql("SELECT COALESCE(SUM(l.seats), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id "
                  "WHERE l.event_id = %s AND o.state = 'held'", (event_id,))[0][0]
    paid_seats = db_sql("SELECT COALESCE(SUM(l.seats), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id "
                        "WHERE l.event_id = %s AND o.state = 'paid'", (event_id,))[0][0]
    paid_without = db_sql(
        "SELECT COUNT(*) FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE l.event_id = %s "
        "AND o.state = 'paid' AND l.seats <> (SELECT COUNT(*) FROM tickets t WHERE t.order_id = o.id)",
        (event_id,))[0][0]
    tickets_unpaid = db_sql("SELECT COUNT(*) FROM tickets t JOIN orders o ON o.id = t.order_id "
                            "WHERE t.event_id = %s AND o.state <> 'paid'", (event_id,))[0][0]
    sold = int(tickets)
    oversold = max(0, sold + int(held) - int(capacity)) + (1 if seats_left < 0 else 0)
    return {"capacity": int(capacity), "seats_left": int(seats_left), "tickets": sold, "held_seats": int(held),
            "paid_seats": int(paid_seats),
            "balanced": sold == int(capacity) - int(seats_left) - int(held),
            "oversold": oversold, "paid_orders_without_all_tickets": int(paid_without),
            "tickets_of_unpaid_orders": int(tickets_unpaid)}
