"""Issue 15.6: with the database down, everybody gets olympix's answer.

Signed-in people got the server's bare "Internal Server Error": pyramid_tm
read the user (to annotate the transaction) outside the error views. The
app here is the real one pointed at a port where no database answers, and
the browser carries a session cookie made by the working app (same secret).
"""
import pytest
import webtest

from .helpers import sign_in

DEAD_DATABASE = "mysql+pymysql://root@127.0.0.1:9/olympix?charset=utf8mb4&connect_timeout=1"


@pytest.fixture(scope="module")
def down_app(app_settings):
    from olympix import main

    return main({}, **{**app_settings, "sqlalchemy.url": DEAD_DATABASE, "retry.attempts": "2"})


@pytest.fixture
def signed_in_cookie(testapp, make_user):
    make_user("ada@example.test")
    sign_in(testapp, "ada@example.test")
    return testapp.cookies["olympix_session"]


def browser(app, lang):
    return webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost", "HTTP_ACCEPT_LANGUAGE": lang})


@pytest.mark.parametrize("lang, words", [("fr", "momentanément indisponible"),
                                         ("en", "briefly unavailable")])
def test_signed_in_people_get_the_outage_page_in_their_language(down_app, signed_in_cookie, lang, words):
    client = browser(down_app, lang)
    client.set_cookie("olympix_session", signed_in_cookie)
    page = client.get("/account/", status=503, expect_errors=True)
    assert page.content_type == "text/html"
    assert words in page.text and "Internal Server Error" not in page.text
    assert page.headers["Retry-After"]


def test_api_callers_get_json_unavailable_with_retry_after(down_app, signed_in_cookie):
    client = browser(down_app, "fr")
    client.set_cookie("olympix_session", signed_in_cookie)
    for body in ('{"code": "OXA"}', "{}"):
        answer = client.post("/api/gate/scans", body, content_type="application/json",
                             headers={"Authorization": "Bearer oxg_" + "a" * 43}, expect_errors=True)
        assert answer.status_int == 503
        assert answer.json["error"] == "unavailable"
        assert int(answer.headers["Retry-After"]) > 0
