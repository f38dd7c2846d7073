"""Small helpers for journeys through the real forms."""
import re
import subprocess
import sys

from pyramid.scripting import prepare

from olympix.security.codes import ALPHABET

CODE_RE = re.compile(rf"\b([{ALPHABET}]{{6}})\b")


def code_in(text):
    """The 6-character code in a message body (the last one written)."""
    found = CODE_RE.findall(text)
    assert found, f"no code in {text!r}"
    return found[-1]


def submit(page, form_id="form", button="submit", **fields):
    form = page.forms[form_id]
    for name, value in fields.items():
        form[name] = value
    return form.submit(button)


def sign_up(testapp, email="ada@example.test", password="correct horse battery", **extra):
    page = testapp.get("/account/@@signup")
    fields = {"last_name": "Lovelace", "first_name": "Ada", "email": email, "password": password}
    fields.update(extra)
    return submit(page, **fields)


def sign_in(testapp, email, password="correct horse battery"):
    page = testapp.get("/account/@@login")
    return submit(page, email=email, password=password)


def csrf_of(testapp):
    """The session's CSRF token, read from the gate desk (or from any form on the page it answers)."""
    page = testapp.get("/gate/")
    desk = page.html.find(id="gate-desk")
    return desk["data-csrf"] if desk else page.html.find("input", attrs={"name": "csrf_token"})["value"]


def in_request(app, fn):
    """Run ``fn(request)`` in a request of its own, committed unless it raises."""
    env = prepare(registry=app.registry)
    try:
        with env["request"].tm:
            return fn(env["request"])
    finally:
        env["closer"]()


def csrf_token(client):
    """The session's CSRF token, read from the sign-out form of any page."""
    page = client.get("/")
    field = page.html.find("input", attrs={"name": "csrf_token"})
    return field["value"] if field else ""


def post_button(testapp, page, action):
    """Submit the form whose action ends with @@<action> on ``page``."""
    for form in page.forms.values():
        if form.action.endswith(f"@@{action}"):
            return form.submit()
    raise AssertionError(f"no @@{action} form on the page")


def new_page(testapp, slug="opening-hours", title_fr="Horaires", title_en="Opening hours",
             body_fr="<p>Ouvert de 9 h à 18 h.</p>", body_en="<p>Open 9am to 6pm.</p>"):
    """Create a page through the back-office content form (signed in as staff); the task page."""
    page = testapp.get("/backoffice/content/@@new?kind=page")
    return submit(page, slug=slug, title_fr=title_fr, body_fr=body_fr,
                  title_en=title_en, body_en=body_en).follow()


def olympix(*args, stdin=None):
    """Run the ``olympix`` command as an operator does (a subprocess); returns the CompletedProcess."""
    return subprocess.run([sys.executable, "-m", "olympix.scripts.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=120)
