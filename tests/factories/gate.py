"""A small world to scan in: venues, events, gates, a buyer's order and tickets.

Rows are inserted directly, in a session of the world's own that commits
(the booking area mints tickets for real; the gate only needs them to
exist, with sealed keys and a real code). Used by the gate's functional,
integration and browser tests, the back-office access matrix and
``bench/gate_scan.py``.
"""
import itertools
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from olympix.models import Event, Order, OrderLine, Ticket, User
from olympix.models.gate import Gate
from olympix.security import atrest, ticket_code
from tests.factories import catalogue

_counter = itertools.count(1)

#: (key, hours from now it starts, venue, title): two sessions today at the
#: stadium, one at the arena, one tomorrow and one later today.
EVENTS = (
    ("today", timedelta(hours=1), "a", "Athlétisme — 100 m finale"),
    ("other_today", timedelta(minutes=30), "a", "Athlétisme — saut en longueur"),
    ("elsewhere", timedelta(hours=1), "b", "Basket — demi-finale"),
    ("tomorrow", timedelta(days=1), "a", "Athlétisme — relais"),
    ("later_today", timedelta(hours=5), "a", "Athlétisme — soirée"),
)
GATES = (("a1", "a", "Porte A"), ("a2", "a", "Porte B"), ("b1", "b", "Porte Nord"))


@dataclass
class World:
    engine: object
    settings: dict
    now: datetime
    ids: dict = field(default_factory=dict)
    gates: dict = field(default_factory=dict)  # key -> gate code
    gate_ids: dict = field(default_factory=dict)  # key -> gate id

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
            serial = secrets.randbelow(2**48 - 1) + 1
            raw_key = atrest.new_key()
            ticket = Ticket(serial=serial, order_id=self.ids["order"], order_line_id=self.ids["line"],
                            event_id=self.ids[event], owner_id=owner.id, attendee_first_name=attendee[0],
                            attendee_last_name=attendee[1],
                            ticket_key=atrest.seal(self.data_keyring, raw_key, "ticket_key"),
                            state=state, created_at=self.now, state_changed_at=self.now)
            s.add(ticket)
            s.flush()
            user_key = atrest.unseal(self.data_keyring, owner.user_key, "user_key")
            code = ticket_code.encode(serial, user_key, raw_key, self.ticket_keyring)
            return ticket.id, serial, code

    def rotating(self, ticket_id, at):
        """The phone's rotating code of ticket ``ticket_id`` for the 30-second window of ``at``."""
        with Session(self.engine) as s:
            ticket = s.get(Ticket, ticket_id)
            raw_key = atrest.unseal(self.data_keyring, ticket.ticket_key, "ticket_key")
            return ticket_code.encode_rotating(ticket.serial, raw_key, self.ticket_keyring,
                                               ticket_code.window_of(at))

    def set_event(self, event="today", **values):
        """Change columns of an event of the world (``phone_only=True``, ``tickets_visible_before=2``)."""
        with Session(self.engine) as s, s.begin():
            row = s.get(Event, self.ids[event])
            for name, value in values.items():
                setattr(row, name, value)


def build_world(engine, settings, now, buyer_id, buyer_name=("Ada", "Lovelace")):
    """Venues A (a stadium) and B (an arena), the EVENTS, the GATES, and a paid order of the buyer."""
    n = next(_counter)
    world = World(engine, settings, now)
    with Session(engine, expire_on_commit=False) as s, s.begin():
        venues = {
            "a": catalogue.venue(s, f"stade-{n}", name_fr="Stade de France", name_en="Stade de France",
                                 city="Saint-Denis", address="", capacity=80000),
            "b": catalogue.venue(s, f"arena-{n}", name_fr="Arena Bercy", name_en="Bercy Arena",
                                 city="Paris", address="", capacity=15000),
        }
        for key, starts_in, venue, title in EVENTS:
            event = catalogue.event(s, now + starts_in, slug=f"{key}-{n}", code=f"ATH-{key[:6].upper()}-{n}",
                                    venue_slug=venues[venue].slug, title_fr=title, title_en=title,
                                    capacity=100, seats_left=50,
                                    prices=(4500, None, None) if key == "today" else (None, None, None))
            world.ids[key] = event.id
            if key == "today":
                offer = event.offers[0]
        order = Order(reference=f"T{n:05d}{secrets.token_hex(3)}", user_id=buyer_id, state="paid",
                      total_cents=4500, created_at=now, held_until=now + timedelta(minutes=15), paid_at=now)
        s.add(order)
        s.flush()
        line = OrderLine(order_id=order.id, event_id=world.ids["today"], offer_id=offer.id, quantity=1,
                         seats=1, unit_price_cents=4500)
        s.add(line)
        for key, venue, name in GATES:
            gate = Gate(venue_id=venues[venue].id, code=f"{venues[venue].slug}-{key}", name=name, active=True,
                        created_at=now)
            s.add(gate)
            s.flush()
            world.gates[key], world.gate_ids[key] = gate.code, gate.id
        s.flush()
        world.ids.update(order=order.id, line=line.id, buyer=buyer_id, venue_a=venues["a"].id,
                         venue_b=venues["b"].id)
    return world
