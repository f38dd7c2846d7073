"""Steps of a booking journey shared by the booking tests (the real forms, the real sandbox)."""
from urllib.parse import urlsplit

from sqlalchemy import select

from olympix.models import Event, Order

WEBHOOK_SECRET = "whsec_insecure-dev"
API_KEY = "sk_test_insecure-dev"

CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_TWICE = "4000000000000259"
CARD_LOST = "4000000000000341"
CARD_DELAYED = "4000000000003220"


def fresh(dbsession):
    """Forget what the test session read: end its snapshot (REPEATABLE READ) and expire rows."""
    dbsession.rollback()
    dbsession.expire_all()


def seats_left(dbsession, event):
    fresh(dbsession)
    return dbsession.get(Event, event.id).seats_left


def the_order(dbsession):
    fresh(dbsession)
    return dbsession.scalar(select(Order))


def local(url):
    """The path and query of an absolute URL, for WebTest."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def book(testapp, event, offer="solo", quantity=1):
    """Submit the book form; returns the response (303 to the order page when held)."""
    page = testapp.get(f"/events/{event.slug}/@@book")
    form = page.forms["form"]
    offer_id = next(o.id for o in event.offers if o.kind == offer)
    form["offer"] = str(offer_id)
    form["quantity"] = str(quantity)
    return form.submit("submit")


def name_attendees(form, names=("Grace", "Hopper")):
    """Fill the seats after the first (the buyer's, filled in by default) with ``names``."""
    # Deform's mapping fields are named first_name/last_name inside each seat.
    firsts, lasts = form.fields["first_name"], form.fields["last_name"]
    assert firsts[0].value == "Ada" and lasts[0].value == "Lovelace"  # the buyer by default
    for i in range(1, len(firsts)):
        firsts[i].value, lasts[i].value = names
    return form


def hold_and_pay_page(testapp, event, offer="duo", quantity=1, names=("Grace", "Hopper")):
    """Book, name the attendees, press Pay: returns (order page, 303 to the provider)."""
    response = book(testapp, event, offer, quantity)
    assert response.status_int == 303, response.text[:500]
    order_page = response.follow()
    return order_page, name_attendees(order_page.forms["form"], names).submit("submit")


def pay_at_provider(sandbox_client, redirect, card, action="pay"):
    """The buyer on the provider's hosted page: a card, then pay (or cancel)."""
    page = sandbox_client.get(local(redirect.location))
    assert page.status_int == 200 and "olympix" in page.text  # our order's description
    form = page.forms[0]
    fields = {"holder": "Ada Lovelace", "number": card, "expiry": "12/39", "cvc": "123"}
    for key, value in fields.items():
        form[key] = value
    return form.submit("action", value=action)
