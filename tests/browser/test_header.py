"""The header on a phone: one compact row with a menu button; the cookie banner leaves the page usable.

Staff have the longest navigation (events, news, tickets, back office, account,
sign out): at 390 x 844 it must not push the content down; the menu opens
with its button, with or without JavaScript. On a desktop the navigation is
simply there.
"""
import pytest

from tests.browser.test_gate_page import browser, server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser
PHONE, DESKTOP = (390, 844), (1280, 800)
HEADER_MAX = 80  # px at 390: one row (it was about 400 px for staff)
BANNER_MAX = 96  # px on a phone: 6rem, within the scroll padding that keeps focused fields above it


@pytest.fixture
def manager(server, make_user):
    make_user("manager@example.test", role="manager", first_name="Sophie", last_name="Lefèvre")
    return "manager@example.test"


def signed_in_page(browser, server_url, email, size, javascript=True):
    context = browser.new_context(viewport=dict(zip(("width", "height"), size)), locale="fr",
                                  java_script_enabled=javascript, extra_http_headers={"Accept-Language": "fr"})
    page = context.new_page()
    page.goto(server_url + "/account/@@login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "correct horse battery")
    page.click("form#form button[type=submit]")
    page.wait_for_load_state()
    page.goto(server_url + "/events")
    return context, page


def height(page, selector):
    return page.locator(selector).evaluate("el => el.getBoundingClientRect().height")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_staff_header_on_a_phone_is_one_row_with_a_menu_button(server, manager, browser, javascript):
    context, page = signed_in_page(browser, server, manager, PHONE, javascript)
    assert height(page, ".site-header") <= HEADER_MAX
    back_office = page.locator(".site-nav a", has_text="Back-office")
    assert not back_office.is_visible()
    page.click(".menu-button")
    assert back_office.is_visible()
    box = back_office.bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= PHONE[0]
    assert height(page, ".site-header") <= HEADER_MAX  # the menu opens over the page
    back_office.click()
    page.wait_for_url(lambda url: "/backoffice" in url)
    context.close()


def test_escape_closes_the_menu_and_gives_the_focus_back(server, manager, browser):
    context, page = signed_in_page(browser, server, manager, PHONE)
    page.focus(".menu-button")
    page.keyboard.press("Enter")
    assert page.locator(".site-nav").is_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    assert not page.locator(".site-nav").is_visible()
    assert page.evaluate("document.activeElement.classList.contains('menu-button')")
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_on_a_desktop_the_navigation_is_shown_without_a_button(server, manager, browser, javascript):
    context, page = signed_in_page(browser, server, manager, DESKTOP, javascript)
    assert not page.locator(".menu-button").is_visible()
    assert page.locator(".site-nav a", has_text="Back-office").is_visible()
    assert height(page, ".site-header") <= HEADER_MAX
    context.close()


@pytest.mark.parametrize("lang, accept, refuse", [("fr", "Accepter", "Refuser"), ("en", "Accept", "Refuse")])
@pytest.mark.parametrize("width", [390, 360])
def test_cookie_banner_is_a_strip_on_a_phone(server, browser, lang, accept, refuse, width):
    # It took 141 px of a 390 x 844 phone (152 at 360): four lines of text over
    # two buttons. Now two lines with the buttons under them.
    context = browser.new_context(viewport={"width": width, "height": PHONE[1]}, locale=lang,
                                  extra_http_headers={"Accept-Language": lang})
    page = context.new_page()
    for path in ("/", "/events"):
        page.goto(server + path)
        banner = page.locator(".cookie-banner")
        assert banner.is_visible()
        assert height(page, ".cookie-banner") <= BANNER_MAX, path
        text = page.locator(".cookie-banner p")
        line = float(text.evaluate("p => parseFloat(getComputedStyle(p).lineHeight)"))
        assert height(page, ".cookie-banner p") <= 2 * line + 1, (path, text.inner_text())
        assert text.inner_text().count(".") <= 1  # the short sentence, not the long one
        for label in (accept, refuse):
            button = page.locator(".cookie-banner button", has_text=label)
            box = button.bounding_box()
            assert button.is_visible() and box["height"] >= 24 and box["y"] + box["height"] <= PHONE[1]
        # Focused fields stay above it (the scroll padding is at least its height).
        padding = page.evaluate("parseFloat(getComputedStyle(document.documentElement).scrollPaddingBottom)")
        assert padding >= height(page, ".cookie-banner")
    context.close()
