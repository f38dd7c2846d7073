"""A small world to scan in: venues, events, gates, a buyer and tickets.

Rows are inserted directly (the booking area mints tickets for real; the
gate only needs them to exist, with sealed keys and a real code).
"""
import itertools
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from olympix.models import Event, Offer, Order, OrderLine, Sport, Ticket, User, Venue
from olympix.models.gate import Gate
from olympix.security import atrest, ticket_code

_counter = itertools.count(1)


@dataclass
class World:
    engine: object
    settings: dict
    now: datetime
    ids: dict = field(default_factory=dict)

    @property
    def data_keyring(self):
        return self.settings["olympix.data_keys.parsed"]

    @property
    def ticket_keyring(self):
        return self.settings["olympix.ticket_keys.parsed"]

    def mint(self, event="today", owner=None, attendee=("Marie", "Dupont"), state="paid"):
        """A new ticket for ``event`` (a key of ids); returns (ticket_id, serial, code)."""
        with Session(self.engine, expire_on_commit=False) as s, s.begin():
            owner = s.get(User, owner or self.ids["buyer"])
            event_id = self.ids[event]
            serial = secrets.randbelow(2**48 - 1) + 1
            raw_key = atrest.new_key()
            ticket = Ticket(serial=serial, order_id=self.ids["order"], order_line_id=self.ids["line"],
                            event_id=event_id, owner_id=owner.id, attendee_first_name=attendee[0],
                            attendee_last_name=attendee[1],
                            ticket_key=atrest.seal(self.data_keyring, raw_key, "ticket_key"),
                            state=state, created_at=self.now, state_changed_at=self.now)
            s.add(ticket)
            s.flush()
            user_key = atrest.unseal(self.data_keyring, owner.user_key, "user_key")
            code = ticket_code.encode(serial, user_key, raw_key, self.ticket_keyring)
            return ticket.id, serial, code


def build_world(engine, settings, now, buyer_id, buyer_name=("Ada", "Lovelace")):
    """Venues A and B, events today at A (two) and B, tomorrow at A; gates; an order."""
    n = next(_counter)
    world = World(engine, settings, now)
    with Session(engine, expire_on_commit=False) as s, s.begin():
        sport = Sport(slug=f"athletics-{n}", name_fr="Athlétisme", name_en="Athletics", icon="athletics.svg")
        venue_a = Venue(slug=f"stade-{n}", name_fr="Stade de France", name_en="Stade de France",
                        city="Saint-Denis", capacity=80000)
        venue_b = Venue(slug=f"arena-{n}", name_fr="Arena Bercy", name_en="Bercy Arena",
                        city="Paris", capacity=15000)
        s.add_all([sport, venue_a, venue_b])
        s.flush()

        def event(key, venue, starts, hours=3, title="Athlétisme — finale"):
            e = Event(slug=f"{key}-{n}", code=f"ATH-{key[:6].upper()}-{n}", sport_id=sport.id,
                      venue_id=venue.id, title_fr=title, title_en=title, starts_at=starts,
                      ends_at=starts + timedelta(hours=hours), capacity=100, seats_left=50,
                      state="published")
            s.add(e)
            s.flush()
            world.ids[key] = e.id
            return e

        today = event("today", venue_a, now + timedelta(hours=1), title="Athlétisme — 100 m finale")
        event("other_today", venue_a, now + timedelta(minutes=30), title="Athlétisme — saut en longueur")
        event("elsewhere", venue_b, now + timedelta(hours=1), title="Basket — demi-finale")
        event("tomorrow", venue_a, now + timedelta(days=1), title="Athlétisme — relais")
        event("later_today", venue_a, now + timedelta(hours=5), title="Athlétisme — soirée")
        offer = Offer(event_id=today.id, kind="solo", seats=1, price_cents=4500)
        s.add(offer)
        s.flush()
        order = Order(reference=f"T{n:05d}{secrets.token_hex(3)}", user_id=buyer_id, state="paid",
                      total_cents=4500, created_at=now, held_until=now + timedelta(minutes=15), paid_at=now)
        s.add(order)
        s.flush()
        line = OrderLine(order_id=order.id, event_id=today.id, offer_id=offer.id, quantity=1, seats=1,
                         unit_price_cents=4500)
        s.add(line)
        s.flush()
        gates = {}
        for key, venue, name in (("a1", venue_a, "Porte A"), ("a2", venue_a, "Porte B"),
                                 ("b1", venue_b, "Porte Nord")):
            g = Gate(venue_id=venue.id, code=f"{venue.slug}-{key}", name=name, active=True, created_at=now)
            s.add(g)
            s.flush()
            gates[key] = g
        world.ids.update(order=order.id, line=line.id, buyer=buyer_id, venue_a=venue_a.id,
                         venue_b=venue_b.id)
        world.gates = {k: g.code for k, g in gates.items()}
        world.gate_ids = {k: g.id for k, g in gates.items()}
    return world
