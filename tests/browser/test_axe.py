"""axe-core (npm, installed by ./run into .venv/node) on the main pages in headless Chromium: no WCAG 2.2 A/AA violation.

The pages are the demo site's (seed-demo), as a visitor, a buyer, a manager
and an agent, in French and English. Without axe-core the test skips with a
message; in CI (OLYMPIX_REQUIRE_MARIADB=1) its absence is a failure.
"""
import os
import sys
from pathlib import Path

import pytest

from tests.browser.test_gate_page import browser, server  # noqa: F401 (fixtures)
from tests.functional.test_html_valid import demo

pytestmark = pytest.mark.browser
AXE = Path(os.environ.get("OLYMPIX_AXE_JS") or Path(sys.prefix) / "node" / "node_modules" / "axe-core" / "axe.min.js")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PAGES = {
    None: ["/", "/events", "/events/judo-mixed-team-final", "/pages/faq", "/contact", "/account/@@login",
           "/account/@@signup"],
    "user": ["/events/judo-mixed-team-final/@@book", "/orders/", "/orders/DEMODUO001", "/tickets/"],
    "manager": ["/backoffice/", "/backoffice/figures", "/backoffice/content/"],
    "agent": ["/gate/"],
}
RUN = f"""() => axe.run(document, {{runOnly: {{type: 'tag', values: {TAGS!r}}}}})
  .then(r => r.violations.map(v => v.id + ': ' + v.nodes.length + ' × ' + v.help
                                   + ' [' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ') + ']'))"""


@pytest.fixture
def axe_source():
    if not AXE.exists():
        message = f"axe-core is not installed ({AXE}): ./run setup installs it with npm"
        if os.environ.get("OLYMPIX_REQUIRE_MARIADB") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_main_pages_have_no_accessibility_violation(server, app, browser, axe_source, lang):
    demo(app)
    found = []
    for role, paths in PAGES.items():
        for width in (390, 1280):
            context = browser.new_context(viewport={"width": width, "height": 844}, locale=lang,
                                          bypass_csp=True,  # to inject axe; the page's own scripts are files
                                          extra_http_headers={"Accept-Language": lang})
            context.add_cookies([{"name": "olympix_lang", "value": lang, "url": server}])
            page = context.new_page()
            if role:
                page.goto(server + "/account/@@login")
                page.fill("input[name=email]", f"{role}@demo.olympix.test")
                page.fill("input[name=password]", "olympix-demo")
                page.click("form#form button[type=submit]")
                page.wait_for_load_state()
            for path in paths:
                page.goto(server + path)
                page.add_script_tag(content=axe_source)
                found += [f"{lang} {width} {role or 'visitor'} {path}: {v}" for v in page.evaluate(RUN)]
            context.close()
    assert not found, "axe-core violations:\n" + "\n".join(found)
