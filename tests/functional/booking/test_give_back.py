"""The held order: a countdown to the end of the hold, and giving the seats back now."""
from olympix.models import Order
from tests.functional.booking.journey import book, fresh, seats_left
from tests.functional.helpers import csrf_token, sign_in


def test_held_order_counts_down_and_gives_its_seats_back(testapp, buyer, make_event, dbsession, clock):
    event = make_event(capacity=10)
    page = book(testapp, event, offer="duo").follow()
    assert seats_left(dbsession, event) == 8
    timer = page.html.select_one(".hold-timer")
    assert timer is not None and timer.has_attr("hidden")  # shown by hold.js; the sentence says the time
    assert 9 * 60 < int(timer["data-seconds"]) <= 10 * 60
    assert "Vos places sont réservées jusqu'à" in page.text or "réservées jusqu" in page.text
    assert page.html.select_one('script[src$="/static/js/hold.js"]') is not None
    clock.advance(minutes=4)
    assert 5 * 60 < int(book_page(testapp, dbsession).html.select_one(".hold-timer")["data-seconds"]) <= 6 * 60

    back = post_give_back(testapp, page)
    assert back.status_int == 303
    done = back.follow()
    assert "Vos places sont rendues" in done
    assert seats_left(dbsession, event) == 10
    fresh(dbsession)
    assert dbsession.query(Order).one().state == "expired"
    assert done.html.select_one(".hold-timer") is None and "@@give-back" not in done.text

    # again (a second click, an old tab): nothing more is given back, no error
    again = post_give_back(testapp, page).follow()
    assert "pas de réservation à rendre" in again
    assert seats_left(dbsession, event) == 10


def test_give_back_needs_the_buyer_and_a_csrf_token(testapp, buyer, make_event, make_user, dbsession):
    event = make_event(capacity=10)
    page = book(testapp, event, offer="solo").follow()
    url = page.request.path + "/@@give-back"
    testapp.post(url, {"csrf_token": "wrong"}, status=400)
    make_user("other@example.test")
    testapp.reset()
    sign_in(testapp, "other@example.test")
    testapp.post(url, {"csrf_token": csrf_token(testapp)}, status=404)
    assert seats_left(dbsession, event) == 9


def book_page(testapp, dbsession):
    fresh(dbsession)
    return testapp.get(f"/orders/{dbsession.query(Order).one().reference}")


def post_give_back(testapp, page):
    form = next(f for f in page.forms.values() if f.action.endswith("@@give-back"))
    return form.submit()
