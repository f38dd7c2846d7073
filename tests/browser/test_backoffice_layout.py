"""The back office at 1280 px: the figures tables (the anomalies' long column names) fit without scrolling."""
import pytest

from tests.browser.test_gate_page import browser, server  # noqa: F401 (fixtures)
from tests.browser.test_header import signed_in_page

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_figures_tables_fit_a_desktop(server, make_user, browser, lang):
    make_user("manager@example.test", role="manager")
    context, page = signed_in_page(browser, server, "manager@example.test", (1280, 800))
    if lang == "en":
        page.goto(server + "/@@lang?l=en&next=/")
    page.goto(server + "/backoffice/figures")
    overflowing = page.evaluate("""() => [...document.querySelectorAll('#anomalies .table-wrap, #sales .table-wrap')]
        .filter(w => w.scrollWidth > w.clientWidth + 1).map(w => w.getAttribute('aria-label'))""")
    assert overflowing == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    context.close()
