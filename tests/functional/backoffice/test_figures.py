"""The managers' figures from a known data set equal the hand count.

Rows are inserted directly (no booking, no gate journey): three Paris days,
2026-03-10 → 2026-03-12, with rows just outside them and rows near
midnight, where UTC and Paris days differ. The answers are read the way a
manager reads them: the CSV export of each table, and the page itself.
"""
import csv
import io
import itertools
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy.orm import Session

from olympix.models import (Event, Offer, Order, OrderLine, Payment, Refund, SignIn, Sport, Ticket,
                            VerificationCode, Venue, Visit)
from olympix.models.gate import Gate, Scan
from olympix.services import charts, figures

PERIOD = "from=2026-03-10&to=2026-03-12"
NOW = datetime(2026, 3, 11, 17, 0, tzinfo=timezone.utc)  # 18:00 in Paris
_serials = itertools.count(10_000)


def utc(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=timezone.utc)


@pytest.fixture
def manager(client_as):
    return client_as("manager")  # signs in at the real time: outside the period


@pytest.fixture
def data(manager, make_user, db_engine, clock):
    buyer = make_user("buyer@example.test")
    prober = make_user("prober@example.test")
    calm = make_user("calm@example.test")
    codes_user = make_user("codes@example.test")
    agent = make_user("gate-agent@example.test", role="agent", first_name="Karim", last_name="Diallo")
    with Session(db_engine) as s, s.begin():
        athletics = Sport(slug="athletics", name_fr="Athlétisme", name_en="Athletics", icon="a.svg")
        swimming = Sport(slug="swimming", name_fr="Natation", name_en="Swimming", icon="s.svg")
        venue = Venue(slug="stade", name_fr="Stade", name_en="Stadium", city="Paris")
        s.add_all([athletics, swimming, venue])
        s.flush()
        e1 = Event(slug="e1", code="ATH-1", sport_id=athletics.id, venue_id=venue.id, title_fr="Finale",
                   title_en="Final", starts_at=utc(11, 17, 30), ends_at=utc(11, 20, 30), capacity=100,
                   seats_left=90, state="published")
        e2 = Event(slug="e2", code="SWM-1", sport_id=swimming.id, venue_id=venue.id, title_fr="Séries",
                   title_en="Heats", starts_at=utc(12, 10), ends_at=utc(12, 12), capacity=50,
                   seats_left=44, state="published")
        s.add_all([e1, e2])
        s.flush()
        offers = {}
        for event, kind, seats, price in ((e1, "solo", 1, 4500), (e1, "duo", 2, 8000), (e1, "family", 4, 15000),
                                          (e2, "solo", 1, 3000), (e2, "family", 4, 10000)):
            offers[event.code, kind] = Offer(event_id=event.id, kind=kind, seats=seats, price_cents=price)
        s.add_all(offers.values())
        s.flush()

        def order(ref, state, paid_at, lines, user=buyer):
            total = sum(offers[key].price_cents * quantity for key, quantity in lines)
            created = paid_at or utc(11, 9)
            o = Order(reference=ref, user_id=user, state=state, total_cents=total, created_at=created,
                      held_until=created + timedelta(minutes=15), paid_at=paid_at)
            s.add(o)
            s.flush()
            made = []
            for key, quantity in lines:
                offer = offers[key]
                line = OrderLine(order_id=o.id, event_id=offer.event_id, offer_id=offer.id, quantity=quantity,
                                 seats=quantity * offer.seats, unit_price_cents=offer.price_cents)
                s.add(line)
                made.append(line)
            s.flush()
            return o, made

        def tickets(o, event, states):
            out = []
            for state in states:
                t = Ticket(serial=next(_serials), order_id=o.id, event_id=event.id, owner_id=buyer,
                           attendee_first_name="Marie", attendee_last_name="Dupont", ticket_key=b"k" * 61,
                           state=state, created_at=o.paid_at, state_changed_at=o.paid_at)
                s.add(t)
                out.append(t)
            s.flush()
            return out

        o1, _ = order("O1", "paid", utc(10, 10), [(("ATH-1", "solo"), 2), (("ATH-1", "duo"), 1)])
        o2, _ = order("O2", "paid", utc(10, 23, 30), [(("SWM-1", "family"), 1)])  # 00:30 on the 11th in Paris
        o3, _ = order("O3", "paid", utc(11, 12), [(("ATH-1", "family"), 1), (("SWM-1", "solo"), 2)])
        # Sold on the 11th and refunded in full the same day: a sale and a refund.
        o4, _ = order("O4", "cancelled", utc(11, 13), [(("ATH-1", "solo"), 1)])
        order("O5", "held", None, [(("ATH-1", "solo"), 1)])  # not paid
        o6, _ = order("O6", "paid", utc(9, 22, 30), [(("ATH-1", "solo"), 1)])  # 23:30 on the 9th in Paris
        # E1: 9 tickets (O1 4, O3 4, O6 1): 3 scanned, 1 deactivated; E2: 6 tickets, none scanned
        e1_tickets = tickets(o1, e1, ["scanned", "scanned", "delivered", "deactivated"])
        e1_tickets += tickets(o3, e1, ["scanned", "delivered", "delivered", "delivered"])
        tickets(o6, e1, ["paid"])
        # O4 refunded on the 11th; 20 € of O6 (sold before the period) refunded on the 12th.
        for o, refunded, at in ((o4, 4500, utc(11, 13, 30)), (o6, 2000, utc(12, 9))):
            pay = Payment(order_id=o.id, provider="sandboxpay", checkout_id=f"cs_{o.reference}", status="paid",
                          amount_cents=o.total_cents, refunded_cents=refunded, created_at=o.paid_at,
                          updated_at=at)
            s.add(pay)
            s.flush()
            s.add(Refund(payment_id=pay.id, order_id=o.id, amount_cents=refunded, whole=False,
                         reason="cancelled by staff", idempotency_key=f"k-{o.reference}", status="succeeded",
                         attempts=1, created_at=at, updated_at=at, succeeded_at=at))
        # a late payment refunded before it ever was a sale: no refund of revenue
        late, _ = order("O9", "cancelled", None, [(("ATH-1", "solo"), 1)])
        late_pay = Payment(order_id=late.id, provider="sandboxpay", checkout_id="cs_late", status="refunded",
                           amount_cents=4500, refunded_cents=4500, created_at=utc(11, 9), updated_at=utc(11, 9))
        s.add(late_pay)
        s.flush()
        s.add(Refund(payment_id=late_pay.id, order_id=late.id, amount_cents=4500, whole=True, reason="late payment",
                     idempotency_key="k-late", status="succeeded", attempts=1, created_at=utc(11, 9),
                     updated_at=utc(11, 9), succeeded_at=utc(11, 9)))
        tickets(o2, e2, ["paid"] * 4)
        tickets(o3, e2, ["paid"] * 2)

        gate = Gate(venue_id=venue.id, code="stade-a", name="Porte A", active=True, created_at=utc(1, 8))
        s.add(gate)
        s.flush()

        def scan(at, verdict, reason, ticket=None):
            s.add(Scan(ticket_id=ticket.id if ticket else None, agent_id=agent, gate_id=gate.id, verdict=verdict,
                       reason=reason, at=at, code_excerpt="OXZZ", code_sha256="0" * 64))

        for n, t in enumerate(t for t in e1_tickets if t.state == "scanned"):
            scan(utc(11, 16, 30 + n), "admit", "admitted", t)  # inside now: 3
        scan(utc(10, 9), "deny", "unknown_or_forged")
        scan(utc(11, 15), "deny", "unknown_or_forged")
        scan(utc(11, 15, 5), "deny", "unknown_or_forged")
        scan(utc(11, 16, 45), "deny", "already_scanned", e1_tickets[0])
        scan(utc(12, 8), "deny", "wrong_event_or_day", e1_tickets[2])
        scan(utc(11, 16), "deny", "unreadable")  # a scanner problem, not an anomaly
        scan(utc(9, 12), "deny", "unknown_or_forged")  # before the period

        for voided_at, reason in ((utc(10, 9), "wrong_tries"), (utc(10, 9, 30), "replaced"),
                                  (utc(13, 9), "wrong_tries")):  # the 13th: after the period
            s.add(VerificationCode(user_id=codes_user, purpose="activate", channel="email", code_hash="x" * 64,
                                   created_at=voided_at - timedelta(minutes=2),
                                   expires_at=voided_at + timedelta(minutes=8), attempts_left=0,
                                   voided_reason=reason, voided_at=voided_at))

        probe, _ = order("O7", "held", None, [(("ATH-1", "solo"), 1)], user=prober)
        quiet, _ = order("O8", "held", None, [(("ATH-1", "solo"), 1)], user=calm)
        for n, (o, at, status) in enumerate([
                (probe, utc(11, 9), "failed"), (probe, utc(11, 9, 4), "failed"), (probe, utc(11, 9, 9), "failed"),
                (probe, utc(11, 9, 30), "failed"),  # alone: after the burst
                (quiet, utc(11, 10), "failed"), (quiet, utc(11, 10, 1), "failed"),  # two: not a burst
                (quiet, utc(11, 11), "paid")]):
            s.add(Payment(order_id=o.id, provider="sandboxpay", checkout_id=f"cs_{n}", status=status,
                          amount_cents=4500, failure_reason="card_declined" if status == "failed" else None,
                          created_at=at, updated_at=at))

        for at in (utc(10, 8), utc(10, 9), utc(11, 10), utc(11, 11), utc(11, 23, 30), utc(13, 8)):
            s.add(SignIn(user_id=buyer, at=at))
        for day, visitors in ((date(2026, 3, 10), 3), (date(2026, 3, 12), 1), (date(2026, 3, 9), 5)):
            for n in range(visitors):
                s.add(Visit(day=day, visitor=f"{day:%d}{n:030d}"))
    clock.set(NOW)
    return {"buyer": buyer, "agent": agent}


def read_csv(client, table, period=PERIOD):
    response = client.get(f"/backoffice/figures?{period}&format=csv&table={table}")
    assert response.content_type == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig"))))
    assert rows[0] == [column.key for column in figures.TABLES[table].columns]
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_sales_equal_the_hand_count(manager, data):
    per_day = read_csv(manager, "sales_per_day")
    # Orders and tickets sold that day; refunds on the day they were made; revenue = sold - refunded.
    assert [(r["day"], r["orders"], r["tickets"], r["refunds_eur"], r["revenue_eur"]) for r in per_day] == [
        ("2026-03-10", "1", "4", "0.00", "170.00"),
        ("2026-03-11", "3", "11", "45.00", "310.00"),
        ("2026-03-12", "0", "0", "20.00", "-20.00"),
    ]
    per_offer = {r["offer"]: (r["offers_sold"], r["tickets"], r["revenue_eur"])
                 for r in read_csv(manager, "sales_per_offer")}
    assert per_offer == {"Solo": ("5", "5", "150.00"), "Duo": ("1", "2", "80.00"),
                         "Famille": ("2", "8", "250.00")}
    per_sport = {r["sport"]: (r["tickets"], r["revenue_eur"]) for r in read_csv(manager, "sales_per_sport")}
    assert per_sport == {"Athlétisme": ("9", "320.00"), "Natation": ("6", "160.00")}
    per_event = {r["event_code"]: (r["tickets"], r["revenue_eur"], r["starts_at"])
                 for r in read_csv(manager, "sales_per_event")}
    assert per_event == {"ATH-1": ("9", "320.00", "2026-03-11 18:30"), "SWM-1": ("6", "160.00", "2026-03-12 11:00")}


def test_seats_attendance_and_inside_now(manager, data):
    seats = {r["event_code"]: (r["capacity"], r["seats_taken"], r["seats_left"])
             for r in read_csv(manager, "seats_left")}
    assert seats == {"ATH-1": ("100", "10", "90"), "SWM-1": ("50", "6", "44")}
    attendance = {r["event_code"]: (r["tickets_sold"], r["tickets_scanned"], r["rate_percent"])
                  for r in read_csv(manager, "attendance")}
    assert attendance == {"ATH-1": ("8", "3", "37.5"), "SWM-1": ("6", "0", "0.0")}
    inside = {r["event_code"]: r["inside"] for r in read_csv(manager, "inside_now")}
    assert inside == {"ATH-1": "3"}  # SWM-1 is tomorrow


def test_connections_per_day(manager, data):
    rows = read_csv(manager, "connections_per_day")
    assert [(r["day"], r["sign_ins"], r["visitors"]) for r in rows] == [
        ("2026-03-10", "2", "3"), ("2026-03-11", "2", "0"), ("2026-03-12", "1", "1")]


def test_anomalies_per_day_and_in_detail(manager, data):
    rows = read_csv(manager, "anomalies_per_day")
    got = [(r["day"], r["forged"], r["repeated"], r["wrong_place"], r["code_voided"], r["payment_burst"], r["total"])
           for r in rows]
    assert got == [
        ("2026-03-10", "1", "0", "0", "1", "0", "2"),
        ("2026-03-11", "2", "1", "0", "0", "1", "4"),
        ("2026-03-12", "0", "0", "1", "0", "0", "1"),
    ]
    details = read_csv(manager, "anomalies")
    assert len(details) == 7
    burst = [r for r in details if "prober@example.test" in r["details"]]
    assert len(burst) == 1 and "3" in burst[0]["details"] and burst[0]["at"] == "2026-03-11 10:00"
    assert not [r for r in details if "calm@example.test" in r["details"]]
    assert any("codes@example.test" in r["details"] for r in details)
    assert sum("Porte A" in r["details"] and "Karim Diallo" in r["details"] for r in details) == 5  # 3 forged, 1 repeated, 1 wrong place


def test_page_shows_tables_and_valid_charts(manager, data):
    for period in (PERIOD, "from=2020-01-01&to=2020-01-14"):  # busy, then empty
        page = manager.get(f"/backoffice/figures?{period}")
        svgs = [ET.fromstring(str(svg)) for svg in page.html.find_all("svg")]
        assert len(svgs) == 5
        for svg in svgs:
            assert svg.tag == "{http://www.w3.org/2000/svg}svg"
            assert svg.find("{http://www.w3.org/2000/svg}title").text
            assert svg.find("{http://www.w3.org/2000/svg}desc").text
    busy = manager.get(f"/backoffice/figures?{PERIOD}")
    assert "Finale" in busy and "310,00" in busy
    # every table has its CSV link, and each parses
    for name in figures.TABLES:
        assert f"table={name}" in busy
        read_csv(manager, name)


def test_bad_period_falls_back_and_says_so(manager, data):
    page = manager.get("/backoffice/figures?from=2026-13-01&to=yesterday")
    assert page.status_int == 200 and "AAAA-MM-JJ" in page
    page = manager.get("/backoffice/figures?from=2026-03-12&to=2026-03-10")
    assert page.status_int == 200
    assert manager.get("/backoffice/figures?format=csv&table=nope", expect_errors=True).status_int == 404


@pytest.mark.parametrize("values", [[], [0, 0, 0], [3, 1, 4, 1, 5, 9, 2, 6] * 12, [0.5, 12345.6]])
def test_charts_are_valid_svg(values):
    labels = [f"{n:02d}/03" for n in range(len(values))]
    for svg in (charts.bar_chart("Ventes <jour>", "desc & co", labels, values),
                charts.line_chart("Connexions", "desc", labels, [("A", values), ("B", values[::-1])])):
        root = ET.fromstring(str(svg))
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert root.get("role") == "img"


def test_csv_cells_cannot_start_a_formula(manager, data, db_engine):
    """An event title (editors) or a name typed by anyone is text in a spreadsheet, never a formula."""
    with Session(db_engine) as s, s.begin():
        venue = s.query(Venue).filter_by(slug="stade").one()
        sport = s.query(Sport).filter_by(slug="athletics").one()
        for n, title in enumerate(('=HYPERLINK("http://evil.test","x")', "+1+1", "-2+3", "@SUM(A1)",
                                   "\t=1", "\r=1")):
            s.add(Event(slug=f"f{n}", code=f"FRM-{n}", sport_id=sport.id, venue_id=venue.id, title_fr=title,
                        title_en=title, starts_at=utc(12, 15), ends_at=utc(12, 16), capacity=10,
                        seats_left=10, state="published"))
    rows = {r["event_code"]: r for r in read_csv(manager, "seats_left")}
    titles = [rows[f"FRM-{n}"]["event"] for n in range(6)]
    assert all(title.startswith("'") for title in titles), titles
    assert titles[0] == "'" + '=HYPERLINK("http://evil.test","x")'
    # numbers stay numbers
    assert rows["ATH-1"]["seats_left"] == "90" and rows["ATH-1"]["event"] == "Finale"


def day_cells(page, name):
    table = page.html.find(id=f"t-{name}").find_parent("section").find("table")
    return [row.find("td").text.strip() for row in table.find("tbody").find_all("tr")]


def test_page_leaves_out_empty_days_and_says_when_there_is_nothing(manager, data):
    busy = manager.get(f"/backoffice/figures?{PERIOD}")
    # a day that sold nothing is not on the page (the CSV keeps it)
    csv_days = read_csv(manager, "sales_per_day")
    sold = [f"{r['day'][8:10]}/{r['day'][5:7]}/{r['day'][:4]}" for r in csv_days
            if any(value not in ("0", "0.00") for key, value in r.items() if key != "day")]
    assert day_cells(busy, "sales_per_day") == sold
    assert day_cells(busy, "anomalies_per_day") == ["10/03/2026", "11/03/2026", "12/03/2026"]
    empty = manager.get("/backoffice/figures?from=2020-01-01&to=2020-01-14")
    assert day_cells(empty, "sales_per_day") == ["Aucune vente sur cette période."]
    assert day_cells(empty, "connections_per_day") == ["Aucune connexion sur cette période."]
    assert day_cells(empty, "anomalies_per_day") == ["Aucune anomalie sur cette période."]
    assert len(read_csv(manager, "sales_per_day", "from=2020-01-01&to=2020-01-14")) == 14


def test_staff_times_say_their_zone(manager, data):
    page = manager.get(f"/backoffice/figures?{PERIOD}")
    heads = [th.text for th in page.html.select("#t-sales_per_event ~ * th, section:has(#t-sales_per_event) th")]
    assert any("Début" in h and "(heure de Paris)" in h for h in heads), heads


def test_chart_days_are_written_the_readers_way(manager, data):
    french = manager.get(f"/backoffice/figures?{PERIOD}").text
    assert ">10/03<" in french
    manager.set_cookie("olympix_lang", "en")
    english = manager.get(f"/backoffice/figures?{PERIOD}").text
    assert ">10 Mar<" in english and ">10/03<" not in english
