"""deploy/nginx/olympix.conf in front of the application: the micro-cache as production runs it (issue 11.2).

nginx (Debian package, ``./run setup-cluster`` / ``./run test`` install it)
is started on loopback with the deployed file, its addresses changed
(olympix/cluster/nginx.py), in front of the application served by
waitress. What is checked is what the file and the application decide
together: an anonymous catalogue page is answered from the cache, a
signed-in one never is and never lands in it, and the seats left a
visitor reads are at most a few seconds old however rarely the page is
read. Skips without nginx; fails in CI (OLYMPIX_REQUIRE_MARIADB=1).
"""
import http.cookiejar
import os
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import update

from olympix.cluster import nginx as nginx_site
from olympix.cluster.mariadbd import find
from olympix.models import Event
from olympix.views.web_cache import MAX_AGE
from tests.browser.test_gate_page import server  # noqa: F401 (fixture)
from tests.conftest import free_port
from tests.factories import catalogue
from tests.integration.cluster.servers import need

PASSWORD = "correct horse battery"


@pytest.fixture
def front(server):  # noqa: F811
    """nginx with the deployed site on a free loopback port, in front of ``server``; stopped at the end."""
    need(("nginx", "nginx"))
    binary = find("nginx", "nginx")
    folder = tempfile.mkdtemp(prefix="olympix-nginx-")
    port = free_port()
    conf = nginx_site.write_config(folder, int(server.rsplit(":", 1)[1]), port)
    checked = subprocess.run([binary, "-t", "-c", conf], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    proc = subprocess.Popen([binary, "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                urllib.request.urlopen(base + "/static/css/olympix.css", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def event(server, dbsession, clock):  # noqa: F811
    row = catalogue.event(dbsession, clock.now() + timedelta(days=3), capacity=500, title_fr="La finale du 100 m")
    dbsession.commit()
    return row


def get(opener, url):
    with opener.open(url, timeout=10) as answer:
        return answer.headers.get("X-Cache"), answer.read().decode("utf-8")


def visitor():
    """A browser of its own: cookies kept, French."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    opener.addheaders = [("Accept-Language", "fr")]
    return opener


def sign_in(opener, url, email):
    """Fill and post the sign-in form as a browser would (its hidden fields, its button)."""
    form = BeautifulSoup(get(opener, url)[1], "html.parser").find("input", attrs={"type": "password"}).find_parent("form")
    fields = {i["name"]: i.get("value", "") for i in form.find_all("input") if i.get("name")}
    button = form.find("button", attrs={"name": True})
    fields.update({"email": email, "password": PASSWORD, **({button["name"]: button.get("value", "")} if button else {})})
    data = urllib.parse.urlencode(fields).encode()
    opener.open(urllib.request.Request(urllib.parse.urljoin(url, form.get("action") or url), data=data),
                timeout=10).close()


def seats_shown(page, seats):
    return f"Plus que {seats} places" in page


def test_an_anonymous_page_is_answered_from_the_cache(front, event):
    page = f"{front}/events/{event.slug}"
    first, body = get(visitor(), page)
    again, same = get(visitor(), page)
    assert (first, again) == ("MISS", "HIT") and "La finale du 100 m" in same


def test_a_signed_in_page_never_comes_from_the_cache_nor_goes_into_it(front, server, event, make_user):  # noqa: F811
    make_user("ada@example.test", PASSWORD, first_name="Ada", last_name="Lovelace")
    page = f"{front}/events/{event.slug}"
    assert get(visitor(), page)[0] == "MISS"  # an anonymous copy is kept
    ada = visitor()
    sign_in(ada, f"{front}/account/@@login", "ada@example.test")
    status, hers = get(ada, page)
    assert status == "BYPASS" and "@@logout" in hers  # her own page (her sign-out form), from the application
    her_token = hers.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    for _ in range(2):
        status, theirs = get(visitor(), page)
        assert status == "HIT" and "@@logout" not in theirs and her_token not in theirs


def test_the_seats_left_are_never_older_than_the_cache_keeps_a_page(front, event, dbsession):
    """A page read rarely, not only in a surge: the first visitor after the copy expired reads the database."""
    page = f"{front}/events/{event.slug}"
    dbsession.execute(update(Event).where(Event.id == event.id).values(seats_left=40))
    dbsession.commit()
    assert seats_shown(get(visitor(), page)[1], 40)
    dbsession.execute(update(Event).where(Event.id == event.id).values(seats_left=7))
    dbsession.commit()
    status, body = get(visitor(), page)
    assert status == "HIT" and seats_shown(body, 40)  # within the 5 seconds a copy lives
    time.sleep(MAX_AGE + 1)
    status, body = get(visitor(), page)
    assert status == "EXPIRED" and seats_shown(body, 7), status
