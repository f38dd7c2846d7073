"""Issue 15.7: the size check runs on what is stored, after the sanitiser.

59 kB of ``&`` passed the check on the typed text and became 295 kB of
``&amp;`` in a MariaDB TEXT column: a 500. The form now says it is too long.
"""
from sqlalchemy import func, select

from olympix.models import ContentItem
from tests.functional.helpers import submit


def test_a_body_that_grows_past_the_limit_when_sanitised_is_a_form_error(as_role, dbsession):
    client = as_role("editor")
    page = client.get("/backoffice/content/@@new?kind=page")
    answer = submit(page, slug="ampersands", title_fr="Et", body_fr="&" * 59000, title_en="And",
                    body_en="<p>fine</p>")
    assert answer.status_int == 200 and "trop long" in answer
    assert dbsession.scalar(select(func.count(ContentItem.id))) == 0


def test_a_long_body_within_the_limit_is_kept(as_role, dbsession):
    client = as_role("editor")
    page = client.get("/backoffice/content/@@new?kind=page")
    answer = submit(page, slug="long", title_fr="Long", body_fr="<p>" + "é" * 29000 + "</p>", title_en="Long",
                    body_en="<p>fine</p>")
    assert answer.status_int == 303
