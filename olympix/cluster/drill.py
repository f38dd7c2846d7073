"""Drills: a sale through the application nodes while database servers die.

Buyers (threads, each a browser of its own) go through the whole purchase
on the real pages: sign in, hold seats, name the attendees, pay on the
provider's hosted page with a test card, come back to the order page. A
buyer who meets an error page waits a second and tries that step again,
as people do, a bounded number of times. Meanwhile the fault plan kills
servers with SIGKILL. Afterwards the database is read back and compared
with what the buyers were told:

- attempted, confirmed to the buyer (the order page said "paid"), found in
  the database afterwards (paid, with its tickets), lost (confirmed but
  not found), seats oversold, errors shown to buyers;
- seconds from the writer's death to the next purchase that started after
  it and was confirmed, and seconds until a killed node was back (Synced,
  the cluster whole again).

Everything is bounded: purchases in count, the sale in time, each step in
retries. The drill's rows (an event, its buyers) are its own; the database
may hold anything else.
"""
import re
import secrets
import threading
import time
from datetime import datetime, timedelta, timezone

from pyramid.paster import bootstrap
from sqlalchemy import func, select

from ..models import Event, Offer, Order, OrderLine, OrderState, Payment, Sport, Ticket, UserState, Venue
from ..services import accounts
from .browser import Browser
from .drill_report import Purchase, Report

PASSWORD = "drill-password-insecure-dev"
CARD = "4242424242424242"
STEP_RETRIES = 40  # a step is tried again after an error page, once a second: 40 s at most
NOTIFY_GRACE = 20  # seconds left to late notifications (the provider retries them) at the end


class Drill:
    """A sale on ``cluster`` (a local.Cluster already up) with a fault plan."""

    def __init__(self, cluster, buyers=6, purchases=60, seconds=150, capacity=70, spread=40, log=print):
        self.cluster = cluster
        # Purchases start spread over ``spread`` seconds (people arrive over
        # time): the sale is still going on when the faults happen.
        self.spread = spread
        # The last 40% of the buyers arrive only once the faults are done,
        # so that purchases start after the writer's death whatever the
        # timings of this machine.
        self.held_back = purchases - int(purchases * 0.6)
        self.released = threading.Event()
        self.buyers = buyers
        self.purchases = purchases
        self.seconds = seconds
        self.capacity = capacity
        self.log = log
        self.run_id = secrets.token_hex(3)
        self.lock = threading.Lock()
        self.results = []
        self.queue = []
        self.busy = 0
        self.t0 = 0.0
        self.events = []
        self.stop_at = 0.0

    # -- arranging ---------------------------------------------------------------
    def arrange(self):
        """The drill's event and buyers, written through the application's own ini."""
        with bootstrap(self.cluster.ini()) as env:
            request = env["request"]
            with request.tm:
                db = request.dbsession
                sport = db.scalar(select(Sport).where(Sport.slug == "drill")) or Sport(
                    slug="drill", name_fr="Exercice", name_en="Drill", icon="athletics.svg")
                venue = db.scalar(select(Venue).where(Venue.slug == "drill-arena")) or Venue(
                    slug="drill-arena", name_fr="Arène d'exercice", name_en="Drill arena", city="Paris",
                    capacity=100000)
                start = datetime.now(timezone.utc) + timedelta(days=2)
                event = Event(slug=f"drill-{self.run_id}", code=f"DRL-{self.run_id}", sport=sport, venue=venue,
                              title_fr=f"Exercice {self.run_id}", title_en=f"Drill {self.run_id}",
                              starts_at=start, ends_at=start + timedelta(hours=2), capacity=self.capacity,
                              seats_left=self.capacity, state="published")
                event.offers = [Offer(kind="solo", seats=1, price_cents=5000),
                                Offer(kind="duo", seats=2, price_cents=9000)]
                db.add(event)
                db.flush()
                self.event_id, self.slug = event.id, event.slug
                self.offers = {o.kind: o.id for o in event.offers}
                for n in range(self.purchases):
                    email = f"drill-{self.run_id}-{n}@drill.olympix.test"
                    accounts.new_user(request, email=email, first_name="Drill", last_name=f"Buyer{n}",
                                      password=PASSWORD, state=UserState.ACTIVE)
                    self.queue.append(Purchase(buyer=email, seats=2 if n % 3 == 0 else 1))

    # -- one buyer -----------------------------------------------------------------
    def note(self, what):
        with self.lock:
            self.events.append((time.monotonic() - self.t0, what))
        self.log(f"[{time.monotonic() - self.t0:6.1f}s] {what}")

    def step(self, purchase, attempt):
        """Run ``attempt()`` until it returns a page without a server error (bounded)."""
        for _ in range(STEP_RETRIES):
            try:
                page = attempt()
            except OSError as exc:  # connection refused/reset: the site itself did not answer
                page = None
                purchase.problem = str(exc)
            if page is not None and page.status < 500:
                return page
            purchase.errors += 1
            if page is not None and ("Traceback" in page.text or "File \"/" in page.text):
                purchase.problem = "a traceback was shown"
            time.sleep(1)
        raise TimeoutError("the site kept failing")

    def buy(self, purchase):
        browser = Browser(f"http://127.0.0.1:{self.cluster.layout.web_proxy_port}")
        purchase.started = time.monotonic()
        login = self.step(purchase, lambda: browser.get("/account/@@login"))
        self.step(purchase, lambda: browser.submit(login, login.form("form"),
                                                   {"email": purchase.buyer, "password": PASSWORD}))
        book = self.step(purchase, lambda: browser.get(f"/events/{self.slug}/@@book"))
        if "form" not in [f.attrs.get("id") for f in book.forms()] and "__formid__" not in book.text:
            purchase.refused = True  # sold out: the page offers no form
            return
        kind = "duo" if purchase.seats == 2 else "solo"
        order = self.step(purchase, lambda: browser.submit(book, book.form("form"),
                                                           {"offer": self.offers[kind], "quantity": "1"}))
        match = re.search(r"/orders/([A-Z0-9]+)", order.url)
        if not match:
            purchase.refused = True  # the form came back with "not enough seats left"
            return
        purchase.reference = match.group(1)
        names = {"first_name": ["Drill"] * purchase.seats, "last_name": ["Buyer"] * purchase.seats}
        hosted = self.step(purchase, lambda: browser.submit(order, order.form("form"), names))
        if "/pay/" not in hosted.url:
            hosted = self.step(purchase, lambda: browser.get(f"/orders/{purchase.reference}/"))
        if "/pay/" in hosted.url:
            form = hosted.form()
            back = self.step(purchase, lambda: browser.submit(hosted, form, {
                "holder": "Drill Buyer", "number": CARD, "expiry": "12/39", "cvc": "123"},
                button=("action", "pay")))
        else:
            back = hosted
        # The order page says "paid" once the payment is recorded; after an
        # outage the buyer reloads it until it does (the provider's retried
        # notification completes the order).
        page = back
        for _ in range(STEP_RETRIES):
            if page.status < 500 and f"/orders/{purchase.reference}" in page.url and "badge-ok" in page.text:
                purchase.confirmed_at = time.monotonic()
                return
            if time.monotonic() > self.stop_at + NOTIFY_GRACE:
                return
            time.sleep(1)
            page = self.step(purchase, lambda: browser.get(f"/orders/{purchase.reference}/"))

    def buyer_loop(self):
        while time.monotonic() < self.stop_at:
            with self.lock:
                if not self.queue:
                    return
                purchase = self.queue.pop(0)
                number = len(self.results)
                self.results.append(purchase)
            if number >= self.purchases - self.held_back:
                self.released.wait(max(0.0, self.stop_at - time.monotonic()))
            else:
                wait = self.t0 + number * self.spread / max(1, self.purchases - self.held_back) - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            with self.lock:
                self.busy += 1
            try:
                self.buy(purchase)
            except (TimeoutError, LookupError) as exc:
                purchase.problem = purchase.problem or str(exc)
            finally:
                with self.lock:
                    self.busy -= 1

    def confirmed_count(self):
        with self.lock:
            return sum(1 for p in self.results if p.confirmed_at)

    def wait_confirmed(self, count):
        while self.confirmed_count() < count and time.monotonic() < self.stop_at and not self.over():
            time.sleep(0.1)
        return time.monotonic() < self.stop_at and not self.over()

    def over(self):
        """True once every purchase has been started and finished."""
        with self.lock:
            return not self.queue and self.busy == 0

    # -- running ---------------------------------------------------------------------
    def run(self, faults, setup):
        self.arrange()
        report = Report(setup=setup, capacity=self.capacity)
        self.t0 = time.monotonic()
        self.stop_at = self.t0 + self.seconds
        self.note(f"sale opens: {self.purchases} purchases, {self.buyers} buyers, {self.capacity} seats")
        threads = [threading.Thread(target=self.buyer_loop, daemon=True) for _ in range(self.buyers)]
        for thread in threads:
            thread.start()
        try:
            faults(report)
        finally:
            self.released.set()
            for thread in threads:
                thread.join(max(1.0, self.stop_at + NOTIFY_GRACE + 60 - time.monotonic()))
        self.note("sale over")
        self.count(report)
        report.seconds = time.monotonic() - self.t0
        report.events = list(self.events)
        return report

    def run_cluster(self):
        """Kill a non-writer node mid-sale and let it rejoin, then kill the writer."""
        cluster = self.cluster

        def faults(report):
            if not self.wait_confirmed(max(1, self.purchases // 6)):
                return
            writer = cluster.writer()
            victim = next(n for n in cluster.nodes if writer is None or n.name != writer.name)
            victim.kill()
            killed = time.monotonic()
            self.note(f"SIGKILL {victim.name} (not the writer)")
            victim.start()
            cluster.wait_synced(victim, size=len(cluster.nodes), timeout=120)
            report.node_back_in_cluster = time.monotonic() - killed
            self.note(f"{victim.name} back in the cluster (Synced, size {len(cluster.nodes)})")
            # Wait for the first wave to be mostly through (bounded by the sale's time).
            if not self.wait_confirmed(int((self.purchases - self.held_back) * 0.8)):
                self.note("no purchase left to kill the writer under")
                return
            writer = cluster.writer()
            if writer is None:
                return
            writer.kill()
            death = time.monotonic()
            self.note(f"SIGKILL {writer.name} (the writer)")
            self.released.set()
            next_one = None
            while next_one is None and time.monotonic() < self.stop_at + NOTIFY_GRACE and not self.over():
                with self.lock:
                    after = [p.confirmed_at for p in self.results
                             if p.confirmed_at and p.started >= death]
                next_one = min(after) if after else None
                if next_one is None:
                    time.sleep(0.1)
            if next_one is not None:
                report.writer_death_to_next_purchase = next_one - death
                self.note(f"first purchase started after the writer's death confirmed "
                          f"({report.writer_death_to_next_purchase:.1f} s)")
            writer.start()
            cluster.wait_synced(writer, size=len(cluster.nodes), timeout=120)
            self.note(f"{writer.name} back in the cluster")

        return self.run(faults, "galera")

    def run_single(self, server):
        """Kill the one database server mid-sale (SIGKILL) and start it again at once."""

        def faults(report):
            if not self.wait_confirmed(max(1, self.purchases // 3)):
                return
            server.kill()
            killed = time.monotonic()
            self.note("SIGKILL the database server")
            self.released.set()
            server.start()
            server.wait_ready(120)
            report.server_back = time.monotonic() - killed
            self.note("database server answering again (crash recovery done)")

        return self.run(faults, "single server")

    # -- counting ---------------------------------------------------------------------
    def count(self, report):
        deadline = time.monotonic() + NOTIFY_GRACE
        with bootstrap(self.cluster.ini()) as env:
            request = env["request"]
            # A buyer who paid while the database was down may still have a
            # notification on its way (the provider retries): wait for the
            # drill's open checkouts to settle, boundedly.
            while time.monotonic() < deadline:
                with request.tm:
                    pending = request.dbsession.scalar(
                        select(func.count(Payment.id)).join(Order, Order.id == Payment.order_id)
                        .join(OrderLine, OrderLine.order_id == Order.id)
                        .where(OrderLine.event_id == self.event_id, Order.state == OrderState.HELD,
                               Payment.status == "open"))
                if not pending:
                    break
                time.sleep(1)
            with request.tm:
                db = request.dbsession
                event = db.get(Event, self.event_id)
                seats = dict(db.execute(
                    select(Order.state, func.sum(OrderLine.seats)).join(OrderLine, OrderLine.order_id == Order.id)
                    .where(OrderLine.event_id == self.event_id).group_by(Order.state)).all())
                tickets = dict(db.execute(
                    select(Ticket.order_id, func.count(Ticket.id)).where(Ticket.event_id == self.event_id)
                    .group_by(Ticket.order_id)).all())
                line_seats = dict(db.execute(
                    select(OrderLine.order_id, func.sum(OrderLine.seats))
                    .where(OrderLine.event_id == self.event_id).group_by(OrderLine.order_id)).all())
                paid = {o.reference: o for o in db.scalars(
                    select(Order).join(OrderLine, OrderLine.order_id == Order.id)
                    .where(OrderLine.event_id == self.event_id, Order.state == OrderState.PAID))}
                whole = {ref for ref, o in paid.items() if tickets.get(o.id, 0) == line_seats.get(o.id)}
                report.seats_left = event.seats_left
                report.seats_sold = int(seats.get(OrderState.PAID, 0) or 0)
                report.seats_held = int(seats.get(OrderState.HELD, 0) or 0)
                report.paid_in_database = len(paid)
                report.paid_without_tickets = len(paid) - len(whole)
                sold_tickets = sum(tickets.values())
                report.oversold = max(0, report.seats_sold + report.seats_held - self.capacity,
                                      -event.seats_left, sold_tickets - self.capacity)
        with self.lock:
            results = list(self.results)
        report.attempted = len(results)
        report.confirmed = sum(1 for p in results if p.confirmed_at)
        report.found = sum(1 for p in results if p.confirmed_at and p.reference in whole)
        report.lost = report.confirmed - report.found
        report.refused = sum(1 for p in results if p.refused)
        report.unfinished = sum(1 for p in results if not p.confirmed_at and not p.refused)
        report.errors_shown = sum(p.errors for p in results)
        report.problems = [p.problem for p in results if p.problem]
