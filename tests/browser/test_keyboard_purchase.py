"""A purchase with the keyboard only, from the home page to the phone ticket (issue #14.10).

Headless Chromium at 390 x 844 and 1280 x 800, driven by ``page.keyboard``
alone (Tab, Shift+Tab, Enter, Space, arrow keys, typing): the cookie banner
is answered, the buyer signs in, finds the event on sale, picks the Duo
offer, names the second attendee, holds the seats, pays on the sandbox
provider's hosted page (served here on loopback, wired to the server like
tests/functional/booking's ``sandbox``), comes back and opens the phone
ticket. Set OLYMPIX_SHOTS=/tmp/shots to keep a screenshot of each focus
problem. At every focus stop the focused element must show a focus ring (an
outline or a box-shadow) and be the topmost thing at its centre: not under
the cookie banner, a header or anything else.
"""
import os
from datetime import timedelta

import pytest

from tests.browser.test_gate_page import browser, server  # noqa: F401 (fixtures)
from tests.browser.waiting import wait_for
from tests.factories import catalogue
from tests.functional.booking.journey import API_KEY, CARD_OK, WEBHOOK_SECRET

pytestmark = pytest.mark.browser
SIZES = {"phone": (390, 844), "desktop": (1280, 800)}
MAX_STOPS = 80  # Tab presses to reach one control: more is a tab order nobody would put up with

# What is focused, whether its focus shows, and what is drawn at its centre.
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) { return null; }
  const style = getComputedStyle(el);
  const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
               || (style.boxShadow && style.boxShadow !== 'none');
  // A link wrapped over two lines has two boxes: look at the centre of the largest.
  const boxes = Array.from(el.getClientRects()).filter((b) => b.width > 0 && b.height > 0);
  const box = boxes.sort((a, b) => b.width * b.height - a.width * a.height)[0] || el.getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  const describe = (node) => node ? node.tagName.toLowerCase() + (node.id ? '#' + node.id : '')
      + (node.className && typeof node.className === 'string' ? '.' + node.className.trim().split(/\\s+/).join('.') : '')
      : 'nothing (outside the viewport)';
  return {what: describe(el) + ' "' + (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40) + '"',
          ring: ring, outline: style.outlineStyle + ' ' + style.outlineWidth, shadow: style.boxShadow,
          on_top: !!hit && (hit === el || el.contains(hit)), hit: describe(hit),
          banner: !!document.querySelector('.cookie-banner')};
}"""


@pytest.fixture
def shop(server, app, make_user, dbsession, clock):
    """The server wired to sandboxpay on loopback; a buyer and one event on sale tomorrow (tickets visible)."""
    from sandboxpay import make_app
    from sandboxpay.testing import LoopbackServer

    pay_app = make_app({"sandboxpay.api_key": API_KEY, "sandboxpay.webhook_secret": WEBHOOK_SECRET,
                        "sandboxpay.db": ":memory:", "sandboxpay.notify_delay": "0.3"})
    pay_server = LoopbackServer(pay_app)
    pay_app.public_url = pay_server.url
    settings = app.registry.settings
    saved = {k: settings.get(k) for k in ("olympix.payment.url", "olympix.payment.notify_url")}
    settings["olympix.payment.url"] = pay_server.url
    settings["olympix.payment.notify_url"] = server + "/api/payments/notify"
    make_user("buyer@example.test", first_name="Ada", last_name="Lovelace")
    event = catalogue.event(dbsession, clock.now() + timedelta(hours=20), capacity=50,
                            title_fr="Athlétisme — finale du 100 m", title_en="Athletics — 100 m final")
    dbsession.commit()
    yield server, event.slug
    settings.update(saved)
    pay_server.close()


class Keyboard:
    """The buyer's hands on the keyboard, and the checks made at every focus stop."""

    def __init__(self, page, size):
        self.page, self.size, self.stops, self.problems = page, size, 0, []

    def settle(self):
        """Wait (bounded) until a scroll the focus started, smooth or not, has stopped."""
        last = None
        for _ in range(30):  # 1.5 s at most
            now = self.page.evaluate("[scrollX, scrollY, document.activeElement && document.activeElement.getBoundingClientRect().top]")
            if now == last:
                return
            last = now
            self.page.wait_for_timeout(50)

    def check(self):
        self.settle()
        found = self.page.evaluate(FOCUS)
        if found is None:
            return None
        self.stops += 1
        folder = os.environ.get("OLYMPIX_SHOTS")  # a screenshot of each problem, to look at
        where = f"{self.size} {self.page.url.split('/', 3)[-1] or '/'}: {found['what']}"
        if not found["ring"]:
            self.problems.append(f"{where}: no visible focus (outline {found['outline']}, shadow {found['shadow']})")
        if not found["on_top"]:
            self.problems.append(f"{where}: covered by {found['hit']}")
        if folder and (not found["ring"] or not found["on_top"]):
            os.makedirs(folder, exist_ok=True)
            self.page.screenshot(path=os.path.join(folder, f"focus-{self.size}-{len(self.problems)}.png"))
        return found

    def press(self, key):
        self.page.keyboard.press(key)
        return self.check()

    def tab_to(self, selector, backwards=False, within=MAX_STOPS):
        """Tab (or Shift+Tab) until the focus is on ``selector``, checking each stop on the way."""
        for _ in range(within):
            self.press("Shift+Tab" if backwards else "Tab")
            if self.page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"{self.size} {self.page.url}: {selector} not reached in {within} Tab presses")

    def type(self, text):
        self.page.keyboard.type(text, delay=5)

    def follow(self, key="Enter"):
        """Press ``key`` on a link or a submit button and wait for the next page."""
        with self.page.expect_navigation():
            self.page.keyboard.press(key)
        self.page.wait_for_load_state()


@pytest.mark.parametrize("size", list(SIZES))
def test_a_purchase_with_the_keyboard_only(shop, browser, size):  # noqa: F811
    server_url, slug = shop
    width, height = SIZES[size]
    # Reduced motion: the page then scrolls to the focus at once instead of smoothly
    # (olympix.css §17), so what is checked is where the scroll ends, not a frame of it.
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR",
                                  reduced_motion="reduce", extra_http_headers={"Accept-Language": "fr"})
    page = context.new_page()
    keys = Keyboard(page, size)
    page.goto(server_url + "/")

    # With the banner still there, a first Tab round goes through the whole page
    # to the banner's last button (it comes last): none of it is under the banner.
    keys.tab_to(".skip-link[href='#main']", within=1)
    keys.tab_to(".cookie-banner button[value=necessary]")
    # The way in from the top: the second skip link ("Cookie choices") focuses the banner.
    keys.tab_to(".skip-link[href='#cookie-banner']", within=4)  # round to the top of the page
    keys.press("Enter")
    assert page.evaluate("document.activeElement.id") == "cookie-banner"
    keys.tab_to(".cookie-banner button[value=necessary]", within=3)  # "Learn more", Accept, Refuse
    keys.follow()
    assert not page.locator(".cookie-banner").count()

    # Sign in: the account link (behind the menu button on a phone).
    if size == "phone":
        keys.tab_to(".menu-button")
        keys.press("Enter")
    keys.tab_to(".site-nav a[href$='/account']")
    keys.follow()
    keys.tab_to("input[name=email]")
    keys.type("buyer@example.test")
    keys.press("Tab")
    keys.type("correct horse battery")
    keys.follow()  # Enter in the password field submits

    # The home page's card for the event on sale, then its page.
    keys.tab_to("a.brand")
    keys.follow()
    keys.tab_to(f"a[href*='/events/{slug}']")
    keys.follow()
    assert f"/events/{slug}" in page.url

    # The offer: the radio group is one stop; the arrow key moves to Duo.
    keys.tab_to("input[name=offer]")
    keys.press("ArrowDown")
    assert "Duo" in page.evaluate("document.querySelector('input[name=offer]:checked').labels[0].innerText")
    keys.tab_to("button[name=submit]")
    keys.follow()
    assert "/orders/" in page.url

    # The second seat's holder (the first is the buyer), then pay.
    keys.tab_to("input[name=first_name]:not([value='Ada'])")
    keys.type("Grace")
    keys.press("Tab")
    keys.type("Hopper")
    keys.tab_to("form#form button[type=submit]")
    keys.follow()
    assert page.url.startswith(shop[0]) is False  # the provider's hosted page

    # The provider's page: the card, then Pay.
    keys.tab_to("#holder")
    keys.type("Ada Lovelace")
    keys.press("Tab")
    keys.type(CARD_OK)
    keys.press("Tab")
    keys.type("12/39")
    keys.press("Tab")
    keys.type("123")
    keys.tab_to("button.pay")
    keys.follow()
    if not page.url.startswith(server_url):  # a "paid, back to the merchant" page
        keys.tab_to("a.button.primary")
        keys.follow()
    assert page.url.startswith(server_url + "/orders/")
    wait_for(page, "document.querySelector('li[id^=ticket-] a')", timeout=5000)

    # The phone ticket.
    keys.tab_to("li[id^=ticket-] a:not([href$='@@pdf'])")
    keys.follow()
    wait_for(page, "document.getElementById('ticket-live') && document.getElementById('ticket-live').dataset.code")
    assert "Lovelace" in page.inner_text("main") or "Hopper" in page.inner_text("main")
    context.close()
    assert keys.stops > 10
    assert not keys.problems, f"{len(keys.problems)} focus problems:\n" + "\n".join(keys.problems)
