"""My orders on a phone: each order a card, no sideways scrolling (issue 14); a table on a desktop."""
from datetime import timedelta

import pytest

from tests.browser.test_gate_page import browser, server  # noqa: F401 (fixtures)
from tests.browser.test_header import signed_in_page
from tests.factories import catalogue
from tests.factories.orders import paid_order

pytestmark = pytest.mark.browser

OVERFLOWING = """() => [...document.querySelectorAll('.table-wrap')].filter(w => w.scrollWidth > w.clientWidth + 1).length"""


@pytest.mark.parametrize("width, cards", [(390, True), (1280, False)])
def test_my_orders_fit_the_screen(server, make_user, browser, app, dbsession, clock, width, cards):
    user_id = make_user("buyer@example.test")
    event = catalogue.event(dbsession, clock.now() + timedelta(days=3), capacity=20,
                            title_fr="Athlétisme – Finales du 100 m hommes, du saut en hauteur femmes et du marteau")
    dbsession.commit()
    reference = paid_order(app, event, user_id, offer="family")
    context, page = signed_in_page(browser, server, "buyer@example.test", (width, 844))
    page.goto(server + "/orders/")
    assert reference in page.inner_text("main")
    assert page.evaluate(OVERFLOWING) == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    header_shown = page.evaluate("getComputedStyle(document.querySelector('.table-cards thead')).position") != "absolute"
    assert header_shown is not cards
    if cards:  # every value says what it is
        labels = page.evaluate("""() => [...document.querySelectorAll('.table-cards tbody td')]
            .filter(td => getComputedStyle(td).display !== 'none')
            .map(td => getComputedStyle(td, '::before').content)""")
        assert labels and all(label not in ("none", '""') for label in labels)
    context.close()
