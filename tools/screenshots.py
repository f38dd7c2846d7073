"""Screenshots of pages as people see them: 390 px phone and 1280 px desktop.

    .venv/bin/python tools/screenshots.py --out /tmp/shots / /events
    .venv/bin/python tools/screenshots.py --out /tmp/shots --as manager /backoffice/ /backoffice/figures
    .venv/bin/python tools/screenshots.py --out /tmp/shots --lang en --as user /orders/

Builds a fresh demo site of its own (a temporary SQLite database, migrated
and seeded with ``olympix seed-demo``), serves it on a free loopback port,
signs in as the demo account of ``--as`` (password ``olympix-demo``) and
saves a full-page PNG per path and width: ``<role>-<lang>-<path>-<width>.png``.
Needs Debian's chromium (``./run`` installs it) and playwright (test extra).
Nothing leaves 127.0.0.1.
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDTHS = {390: 844, 1280: 800}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_ini(folder, port):
    """development.ini without the toolbar, on a database and port of its own."""
    text = (ROOT / "development.ini").read_text()
    text = re.sub(r"pyramid\.includes =\n(\s+\S+\n)+", "", text)
    text = re.sub(r"sqlalchemy\.url = .*", f"sqlalchemy.url = sqlite:///{folder}/shots.sqlite", text)
    text = re.sub(r"olympix\.base_url = .*", f"olympix.base_url = http://127.0.0.1:{port}", text)
    text = text.replace("%(here)s/var/sms-outbox", f"{folder}/sms")
    text = text.replace("script_location = alembic", f"script_location = {ROOT / 'alembic'}")
    ini = Path(folder) / "shots.ini"
    ini.write_text(text)
    return ini


def serve(ini, port):
    from pyramid.paster import get_app
    from waitress import create_server

    app = get_app(str(ini))
    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return server


def shoot(base, role, lang, paths, out):
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for width, height in WIDTHS.items():
            context = browser.new_context(viewport={"width": width, "height": height}, locale=lang,
                                          extra_http_headers={"Accept-Language": lang})
            context.add_cookies([{"name": "olympix_lang", "value": lang, "url": base}])
            page = context.new_page()
            if role != "visitor":
                page.goto(f"{base}/account/@@login")
                page.fill("input[name=email]", f"{role}@demo.olympix.test")
                page.fill("input[name=password]", "olympix-demo")
                page.click("button[type=submit], button[name=submit]")
            for path in paths:
                page.goto(base + path)
                name = re.sub(r"[^A-Za-z0-9]+", "_", path.strip("/")) or "home"
                target = out / f"{role}-{lang}-{name}-{width}.png"
                page.screenshot(path=str(target), full_page=True)
                saved.append(target)
            context.close()
        browser.close()
    return saved


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", help="paths to shoot, e.g. / /events")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--as", dest="role", default="visitor",
                        choices=("visitor", "user", "editor", "agent", "manager", "admin"))
    parser.add_argument("--lang", default="fr", choices=("fr", "en"))
    parser.add_argument("--olympix", action="append", default=[], metavar="ARGS",
                        help="an olympix command to run after seeding, {ini} for the ini file, e.g. "
                             "'onsale {ini} --event ATH-0802-MOR --at 2030-01-01T10:00' (repeatable)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        ini = make_ini(folder, port)
        olympix = str(Path(sys.executable).with_name("olympix"))
        for command in (["db", "upgrade"], ["seed-demo"]):
            subprocess.run([olympix, *command, str(ini)], check=True, cwd=folder,
                           stdout=subprocess.DEVNULL, env={**os.environ, "OLYMPIX_PRODUCTION": ""})
        for extra in args.olympix:
            subprocess.run([olympix, *extra.format(ini=ini).split()], check=True, cwd=folder,
                           stdout=subprocess.DEVNULL, env={**os.environ, "OLYMPIX_PRODUCTION": ""})
        server = serve(ini, port)
        try:
            for target in shoot(f"http://127.0.0.1:{port}", args.role, args.lang, args.paths, args.out):
                print(target)
        finally:
            server.close()


if __name__ == "__main__":
    main()
