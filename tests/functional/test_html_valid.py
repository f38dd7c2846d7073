"""Valid HTML: the Nu Html Checker (npm ``vnu-jar``, installed by ./run) on the main pages, 0 errors.

The pages are rendered through WebTest from the demo data (``seed-demo``),
as a visitor, a buyer and staff, in French and English, then checked in one
run of the checker. Without Java or the jar the test skips with a message;
in CI (OLYMPIX_REQUIRE_MARIADB=1) their absence is a failure.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from olympix.models import Event, Order, Ticket
from olympix.scripts.demo import seed_accounts, seeders
from olympix.seed.schedule import DEMO_SOON_CODE
from olympix.models.gate import Gate
from tests.functional.helpers import csrf_of, in_request, sign_in

REQUIRED = os.environ.get("OLYMPIX_REQUIRE_MARIADB") == "1"
NODE_DIR = Path(sys.prefix) / "node" / "node_modules"  # where ./run installs the npm test tools


def vnu_command():
    jar = Path(os.environ.get("OLYMPIX_VNU_JAR") or NODE_DIR / "vnu-jar" / "build" / "dist" / "vnu.jar")
    java = shutil.which("java")
    if java is None or not jar.exists():
        message = f"the Nu Html Checker needs java and {jar} (./run setup installs vnu-jar with npm)"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return [java, "-Xss2m", "-jar", str(jar)]


def demo(app):
    def seed(request):
        seed_accounts(request, "olympix-demo")
        for step in seeders():
            step(request)
    in_request(app, seed)


def pages_of(testapp, dbsession):
    """(name, path, role) of the pages people see most, per role."""
    soon = dbsession.scalar(select(Event).where(Event.code == DEMO_SOON_CODE))
    order = dbsession.scalar(select(Order))
    ticket = dbsession.scalar(select(Ticket).where(Ticket.order_id == order.id))
    public = ["/", "/events", f"/events/{soon.slug}", "/events?sport=judo&seats=1", "/news",
              "/pages/legal-notice", "/pages/terms-of-sale", "/pages/privacy", "/pages/cookies", "/pages/faq",
              "/contact", "/account/@@login", "/account/@@signup", "/@@cookies"]
    buyer = ["/account/", f"/events/{soon.slug}/@@book", "/orders/", f"/orders/{order.reference}",
             "/tickets/", f"/tickets/{ticket.id}/"]
    manager = ["/backoffice/", "/backoffice/figures", "/backoffice/content/", "/backoffice/content/@@queue",
               "/backoffice/content/@@events", "/backoffice/content/@@new?kind=page",
               "/backoffice/content/@@new-event", f"/backoffice/orders/{order.reference}"]
    agent = ["/gate/"]
    return [(None, public), ("user", buyer), ("manager", manager), ("agent", agent)]


def render_all(testapp, dbsession, folder):
    files = {}
    for lang in ("fr", "en"):
        for role, paths in pages_of(testapp, dbsession):
            testapp.reset()
            testapp.set_cookie("olympix_lang", lang)
            if role:
                sign_in(testapp, f"{role}@demo.olympix.test", password="olympix-demo")
            for path in paths:
                response = testapp.get(path, status=(200, 302, 303))
                if response.status_int != 200:
                    response = response.follow()
                keep(folder, files, response, f"{lang} {role or 'visitor'} {path}")
            if role == "agent":  # the no-JS verdict page, after a scan
                gate = dbsession.scalar(select(Gate).order_by(Gate.id))
                testapp.post("/gate/@@choose", {"gate_id": gate.id, "csrf_token": csrf_of(testapp)})
                verdict = testapp.post("/gate/@@scan", {"code": "OXA" + "Q" * 25 + "A",
                                                        "csrf_token": csrf_of(testapp)})
                keep(folder, files, verdict, f"{lang} agent verdict page")
    return files


def keep(folder, files, response, label):
    assert "text/html" in response.content_type, label
    name = f"page-{len(files):02d}.html"
    (folder / name).write_bytes(response.body)
    files[name] = label


def test_main_pages_have_no_html_errors(app, testapp, dbsession, tmp_path):
    command = vnu_command()
    demo(app)
    files = render_all(testapp, dbsession, tmp_path)
    run = subprocess.run([*command, "--errors-only", "--format", "json", *sorted(map(str, tmp_path.glob("*.html")))],
                         capture_output=True, text=True, timeout=300)
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    errors = [f"{files[Path(m['url']).name]}: line {m.get('lastLine')}: {m['message']}"
              for m in messages if m.get("type") == "error"]
    assert not errors, f"{len(errors)} errors on {len(files)} pages:\n" + "\n".join(errors)
