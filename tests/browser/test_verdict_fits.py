"""The verdict word (ENTRÉE / REFUS) an agent reads in half a second fits every width from 320 px.

Both the desk's overlay (JavaScript) and the no-JS verdict page, at a small
phone, a common phone and a desktop, in French and English: the word's text
box lies inside the viewport and the page does not scroll sideways. OLYMPIX_SHOTS=/tmp/folder saves
screenshots of each.
"""
import pytest

from tests.browser.test_gate_page import browser, server, shot, world  # noqa: F401 (fixtures)
from tests.browser.waiting import wait_for

pytestmark = pytest.mark.browser
SIZES = [(320, 568), (390, 844), (1280, 800)]

# The box of the word's text itself (a block is as wide as its parent even when its text overflows).
TEXT_BOX = """el => { const r = document.createRange(); r.selectNodeContents(el);
  const b = r.getBoundingClientRect();
  return {left: b.left, right: b.right, top: b.top, bottom: b.bottom, text: el.textContent,
          vw: document.documentElement.clientWidth, vh: window.innerHeight,
          scroll: document.documentElement.scrollWidth}; }"""


def sign_in_at_gate(page, server_url, world):
    page.goto(server_url + "/account/@@login?next=/gate/")
    page.fill("input[name=email]", "agent@example.test")
    page.fill("input[name=password]", "correct horse battery")
    page.keyboard.press("Enter")
    page.wait_for_url("**/gate/")
    page.select_option("#gate-select", str(world.gate_ids["a1"]))
    page.click("button[type=submit].btn-lg")
    page.wait_for_selector("#scan-code")


def assert_fits(page, word, width):
    box = page.locator(word).evaluate(TEXT_BOX)
    assert box["text"].strip(), "no verdict word"
    assert 0 <= box["left"] and box["right"] <= box["vw"], f"{box['text']!r} at {width} px: {box}"
    assert box["top"] >= 0 and box["bottom"] <= box["vh"], f"{box['text']!r} at {width} px: {box}"
    assert box["scroll"] <= box["vw"], f"the page scrolls sideways at {width} px: {box}"


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("width, height", SIZES)
def test_the_overlay_verdict_word_fits(server, world, browser, width, height, lang):
    context = browser.new_context(viewport={"width": width, "height": height}, locale=lang,
                                  extra_http_headers={"Accept-Language": lang})
    page = context.new_page()
    sign_in_at_gate(page, server, world)
    code = world.mint(attendee=("Marie", "Dupont"))[2]
    for verdict in ("verdict-admit", "verdict-deny"):  # the second scan of the same code is refused
        before = page.locator("#gate-verdict").get_attribute("data-scan")
        page.keyboard.type(code, delay=1)
        page.keyboard.press("Enter")
        wait_for(page,
                 f"(() => {{ const v = document.getElementById('gate-verdict');"
                 f" return !v.hidden && v.dataset.scan !== {before!r}; }})()" if before else
                 "!document.getElementById('gate-verdict').hidden")
        assert verdict in page.locator("#gate-verdict").get_attribute("class")
        assert_fits(page, "#gate-verdict .verdict-word", width)
        shot(page, f"{verdict}-{lang}-{width}")
        page.keyboard.press("Escape")
        page.locator("#gate-verdict").wait_for(state="hidden")
    context.close()


@pytest.mark.parametrize("width, height", SIZES)
def test_the_no_js_verdict_page_word_fits(server, world, browser, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr",
                                  java_script_enabled=False, extra_http_headers={"Accept-Language": "fr"})
    page = context.new_page()
    sign_in_at_gate(page, server, world)
    page.fill("#manual-code", world.mint(attendee=("Marie", "Dupont"))[2])
    page.click("#manual-code ~ button[type=submit]")
    page.wait_for_selector("main .verdict-word")
    assert_fits(page, "main .verdict-word", width)
    shot(page, f"nojs-verdict-{width}")
    context.close()
