"""The baselines: bare Pyramid views doing only the essential work of each flow.

Served by the same gunicorn settings as olympix (2 sync workers), on the
same private database and its real tables (same indexes, foreign keys and
triggers), so the ratio app / bare is what the application adds on top of
the work no implementation can skip. No pyramid_tm, no ORM, no sessions,
no security policy: SQLAlchemy Core on a pooled PyMySQL connection, one
transaction per request.

    gunicorn _bare:app   (with BENCH_CONFIG=/path/to/config.json, PYTHONPATH=bench)

The config (JSON, written by the benchmark) names the database, the rows to
write against, and what each view needs (page size, PDF HTML files,
argon2 parameters and a password hash).
"""
import json
import os
import secrets
from datetime import datetime, timezone

from pyramid.config import Configurator
from pyramid.response import Response
from sqlalchemy import create_engine, text

CONFIG = json.load(open(os.environ["BENCH_CONFIG"])) if os.environ.get("BENCH_CONFIG") else {}
DB = CONFIG.get("db") or os.environ.get("BENCH_DB")
engine = create_engine(f"mysql+pymysql://root@127.0.0.1:3306/{DB}?charset=utf8mb4") if DB else None

REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _now():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _reference():
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(10))


def noop(request):
    return Response("ok", content_type="text/plain")


def _take(conn, seats):
    return conn.execute(text("UPDATE events SET seats_left = seats_left - :n WHERE id = :e AND seats_left >= :n"),
                        {"n": seats, "e": CONFIG["event_id"]}).rowcount == 1


def _order(conn, seats, state, now):
    return conn.execute(text(
        "INSERT INTO orders (reference, user_id, state, total_cents, currency, created_at, held_until, paid_at) "
        "VALUES (:r, :u, :s, :t, 'EUR', :now, :now, :paid)"),
        {"r": _reference(), "u": CONFIG["user_id"], "s": state, "t": seats * 4500, "now": now,
         "paid": now if state == "paid" else None}).lastrowid


def hold(request):
    """The hold's essential writes: the conditional UPDATE and the order INSERT, one COMMIT."""
    seats = int(request.params.get("seats", 1))
    now = _now()
    with engine.begin() as conn:
        if not _take(conn, seats):
            return Response("sold out", status=409)
        _order(conn, seats, "held", now)
    return Response("held", content_type="text/plain")


def purchase(request):
    """A purchase's essential writes: conditional UPDATE; order, line, payment, tickets INSERTs; one COMMIT."""
    seats = int(request.params.get("seats", 1))
    now = _now()
    with engine.begin() as conn:
        if not _take(conn, seats):
            return Response("sold out", status=409)
        order_id = _order(conn, seats, "paid", now)
        line_id = conn.execute(text(
            "INSERT INTO order_lines (order_id, event_id, offer_id, quantity, seats, unit_price_cents) "
            "VALUES (:o, :e, :f, 1, :n, :p)"),
            {"o": order_id, "e": CONFIG["event_id"], "f": CONFIG["offer_id"], "n": seats, "p": seats * 4500}).lastrowid
        conn.execute(text(
            "INSERT INTO payments (order_id, provider, checkout_id, provider_payment_id, status, amount_cents, "
            "refunded_cents, brand, last4, created_at, updated_at) "
            "VALUES (:o, 'bare', :c, :c, 'paid', :a, 0, 'visa', '4242', :now, :now)"),
            {"o": order_id, "c": "cs_" + secrets.token_hex(12), "a": seats * 4500, "now": now})
        conn.execute(text(
            "INSERT INTO tickets (serial, order_id, order_line_id, event_id, owner_id, attendee_first_name, "
            "attendee_last_name, ticket_key, state, created_at, state_changed_at) "
            "VALUES (:serial, :o, :l, :e, :u, 'Ada', 'Lovelace', :k, 'paid', :now, :now)"),
            [{"serial": secrets.randbelow(2**48 - 2) + 1, "o": order_id, "l": line_id, "e": CONFIG["event_id"],
              "u": CONFIG["user_id"], "k": os.urandom(61), "now": now} for _ in range(seats)])
    return Response("paid", content_type="text/plain")


def scan(request):
    """The gate's essential work: one PK SELECT, one conditional UPDATE, one INSERT, COMMIT."""
    ticket_id = int(request.json_body["id"])
    now = _now()
    with engine.begin() as conn:
        row = conn.execute(text("SELECT id, state, event_id, attendee_first_name, attendee_last_name "
                                "FROM tickets WHERE id = :i"), {"i": ticket_id}).first()
        admitted = row is not None and conn.execute(text(
            "UPDATE tickets SET state = 'scanned', state_changed_at = :now "
            "WHERE id = :i AND state IN ('paid', 'delivered')"), {"i": ticket_id, "now": now}).rowcount == 1
        conn.execute(text(
            "INSERT INTO scans (ticket_id, agent_id, gate_id, verdict, reason, at, code_excerpt, code_sha256) "
            "VALUES (:t, :a, :g, :v, :r, :now, '', :h)"),
            {"t": row.id if row else None, "a": CONFIG["agent_id"], "g": CONFIG["gate_id"],
             "v": "admit" if admitted else "deny", "r": "admitted" if admitted else "already_scanned",
             "now": now, "h": secrets.token_hex(32)})
    return Response(json=({"verdict": "admit" if admitted else "deny",
                           "holder": f"{row.attendee_first_name} {row.attendee_last_name}" if row else None}))


def page(request):
    """A Jinja2 page of ``?rows=`` cards: sized by the bench like the app page beside it; no database."""
    count = min(int(request.params.get("rows", CONFIG.get("page_rows", 20))), 5000)
    rows = [{"title": f"Athlétisme — session {i}", "venue": "Stade de France", "city": "Saint-Denis",
             "when": "samedi 3 août 2024, 19:30", "price": "45,00 €", "href": f"/events/session-{i}"}
            for i in range(max(1, count))]
    from pyramid.renderers import render_to_response

    return render_to_response("bare_page.jinja2", {"rows": rows, "filler": CONFIG.get("page_filler", "")},
                              request=request)


_passwords = None


def signin(request):
    """Sign-in's essential work: find the user by e-mail, verify argon2id at the configured cost."""
    global _passwords
    if _passwords is None:
        from argon2 import PasswordHasher

        time_cost, memory_cost, parallelism = CONFIG.get("argon2", (3, 65536, 4))
        _passwords = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    with engine.begin() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users WHERE email = :e"),
                              {"e": request.POST.get("email", "")}).scalar()
    try:
        _passwords.verify(stored or CONFIG.get("password_hash"), request.POST.get("password", ""))
    except Exception:  # noqa: BLE001 - wrong password
        return Response("no", status=403)
    return Response("yes", content_type="text/plain")


_html = {}


def pdf(request):
    """weasyprint rendering the very HTML the application renders for a ticket (or ten)."""
    from weasyprint import HTML

    n = request.params.get("n", "1")
    if n not in _html:
        with open(CONFIG["pdf_html"][n]) as fh:
            _html[n] = fh.read()
    body = HTML(string=_html[n], base_url="http://127.0.0.1/").write_pdf()
    return Response(body=body, content_type="application/pdf")


def make_app():
    with Configurator(settings={"pyramid.reload_templates": "false"}) as config:
        config.include("pyramid_jinja2")
        config.add_jinja2_search_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates"))
        for name, view, method in (("noop", noop, None), ("hold", hold, "POST"), ("purchase", purchase, "POST"),
                                   ("scan", scan, "POST"), ("page", page, "GET"), ("signin", signin, "POST"),
                                   ("pdf", pdf, "GET")):
            config.add_route(name, f"/{name}")
            config.add_view(view, route_name=name, request_method=method)
        config.add_route("root", "/")
        config.add_view(noop, route_name="root")
    return config.make_wsgi_app()


app = make_app()
