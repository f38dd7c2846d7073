"""Start olympix as production runs it, with what it talks to, on loopback.

* a private MariaDB database on 127.0.0.1:3306, migrated by ``olympix db upgrade``;
* a mail sink (``olympix mail-sink``) where the order confirmations go;
* the sandbox provider (``sandboxpay-serve``) on a free port;
* olympix under gunicorn, 2 sync workers, from an ini written to a temp
  folder: production.ini's settings with ``olympix.production = false``
  (so the secrets may be generated here) but argon2 at its configured
  cost, the real SystemClock, the sandbox gateway, SMTP mail;
* the bare Pyramid baselines (``_bare.py``) under the same gunicorn settings.

Everything is stopped by the Run at the end, also on Ctrl-C or a failure.
"""
from __future__ import annotations

import base64
import os
import re
import secrets
import subprocess

from _harness import LOOPBACK, REPO, Proc, bin_path, free_port, gunicorn, log, private_database, sql, wait_http
from olympix.cluster import nginx as nginx_site
from olympix.cluster.mariadbd import MissingTool, find

INI_TEMPLATE = """\
# Written by bench/_stack.py: production.ini's settings, served by gunicorn.
[app:main]
use = egg:olympix
pyramid.reload_templates = false
pyramid.default_locale_name = fr
olympix.production = false
olympix.session.secure = false
retry.attempts = 3
sqlalchemy.url = {db_url}
olympix.base_url = {base_url}
olympix.session_secret = {session_secret}
olympix.code_pepper = {pepper}
olympix.data_keys = A:{data_key}
olympix.ticket_keys = A:{ticket_key}
mail.host = 127.0.0.1
mail.port = {mail_port}
mail.default_sender = Olympix <no-reply@bench.olympix.test>
olympix.support_email = support@bench.olympix.test
olympix.sms.backend = olympix.services.sms.OutboxSMSSender
olympix.sms.outbox = {tmp}/sms-outbox
olympix.payment.url = {pay_url}
olympix.payment.api_key = {api_key}
olympix.payment.webhook_secret = {webhook_secret}
{extra}

[server:main]
use = egg:gunicorn#main
bind = 127.0.0.1:{port}
workers = 2
worker_class = sync
timeout = 30

[loggers]
keys = root, olympix

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console

[logger_olympix]
level = WARN
handlers =
qualname = olympix

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(asctime)s %(levelname)-5.5s [%(name)s] %(message)s
"""

# A surge sells to a few hundred bench accounts again and again: the
# per-person limits (6 a session, 30 for the Games) would refuse the
# second purchase. They are raised here, and only here; the checks still
# run (the same statements), with larger numbers.
BENCH_LIMITS = {"olympix.booking.max_per_event": "1000000", "olympix.booking.max_per_account": "1000000",
                # Every bench buyer comes from 127.0.0.1, and the hold loop's
                # holds lapse unpaid: the relapse wait (issue 15.5) is lifted
                # (its query still runs, merged with the limits'), and the
                # holds-per-address limit is off (0): counting one address's
                # tens of thousands of holds is the bench's artefact, a real
                # address is counted up to the limit (30) and no further.
                "olympix.booking.holds_per_address_hour": "0", "olympix.booking.relapse_minutes": "0",
                "olympix.queue.places_per_address": "1000000000"}


def _key():
    return base64.b64encode(os.urandom(32)).decode()


class Olympix:
    """The application and its peers. ``olympix.base`` is its URL."""

    def __init__(self, run, name="olympix", payment=True, db_url=None, settings=None, app_db_url=None,
                 workers=None, pay_threads=48, payments_pool=False):
        self.run = run
        # The production topology (deploy/nginx, production.ini [server:payments]):
        # the provider's notifications go to a gunicorn pool of their own.
        self.notify_port = free_port() if payments_pool else None
        self.notify_proc = None
        if db_url is None:
            self.db, self.db_url = private_database(run)
        else:
            self.db_url = db_url
            self.db = re.search(r"/([^/?]+)\?", db_url).group(1)
        self.port = free_port()
        self.base = f"http://{LOOPBACK}:{self.port}"
        self.mail_port = free_port()
        self.mail = Proc(run, "mail-sink", [bin_path("olympix"), "mail-sink", "--port", str(self.mail_port),
                                            "--folder", os.path.join(run.tmp, "mail")])
        self.api_key = "sk_test_bench_" + secrets.token_hex(8)
        self.webhook_secret = "whsec_bench_" + secrets.token_hex(8)
        self.pay = None
        pay_url = f"http://{LOOPBACK}:9"
        if payment:
            self.pay_port = free_port()
            pay_url = f"http://{LOOPBACK}:{self.pay_port}"
            # Enough threads that the provider is never the bottleneck: a
            # real provider scales out; its hosted page is not what we measure.
            self.pay = Proc(run, "sandboxpay", [
                bin_path("sandboxpay-serve"), "--port", str(self.pay_port),
                "--db", os.path.join(run.tmp, "sandboxpay.sqlite"), "--api-key", self.api_key,
                "--webhook-secret", self.webhook_secret, "--threads", str(pay_threads)])
            wait_http(self.pay, pay_url + "/")
            log(f"sandboxpay on {pay_url} (pid {self.pay.pid})")
        self.pay_url = pay_url
        values = dict(base_url=self.base, session_secret=secrets.token_urlsafe(32), pepper=secrets.token_urlsafe(16),
                      data_key=_key(), ticket_key=_key(), mail_port=self.mail_port, tmp=run.tmp, pay_url=pay_url,
                      api_key=self.api_key, webhook_secret=self.webhook_secret, port=self.port)
        extra = dict(BENCH_LIMITS)
        if self.notify_port:
            extra["olympix.payment.notify_url"] = f"http://{LOOPBACK}:{self.notify_port}/api/payments/notify"
        extra.update(settings or {})
        values["extra"] = "\n".join(f"{k} = {v}" for k, v in extra.items())
        # admin.ini: the direct database URL (migrations, seeding); app.ini:
        # what gunicorn serves (the same, or through the statement counter).
        self.admin_ini = os.path.join(run.tmp, f"{name}-admin.ini")
        with open(self.admin_ini, "w") as fh:
            fh.write(INI_TEMPLATE.format(db_url=self.db_url, **values))
        self.ini = os.path.join(run.tmp, f"{name}.ini")
        with open(self.ini, "w") as fh:
            fh.write(INI_TEMPLATE.format(db_url=app_db_url or self.db_url, **values))
        self.name = name
        self.workers = workers
        self.proc = None

    def migrate(self):
        log("olympix db upgrade")
        subprocess.run([bin_path("olympix"), "db", "upgrade", self.admin_ini], check=True, cwd=REPO,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return self

    def seed_demo(self, password="olympix-demo"):
        log("olympix seed-demo (the Paris 2024 catalogue)")
        subprocess.run([bin_path("olympix"), "seed-demo", self.admin_ini, "--demo-password", password], check=True,
                       cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return self

    def start(self):
        self.proc = gunicorn(self.run, self.name, self.ini, self.port, workers=self.workers)
        if self.notify_port:
            self.notify_proc = gunicorn(self.run, f"{self.name}-payments", self.ini, self.notify_port, workers=2)
        return self

    def workers_pids(self):
        return self.proc.children()

    def settle(self, max_seconds=180):
        """Wait until the app answers a light page quickly again (bounded): requests that clients
        gave up on still wait in gunicorn's backlog and would be served during the next loop."""
        import http.client
        import time

        began = time.monotonic()
        quick = 0
        while time.monotonic() - began < max_seconds:
            t = time.monotonic()
            try:
                conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=max_seconds)
                conn.request("GET", "/static/css/gate.css")
                conn.getresponse().read()
                conn.close()
            except OSError:
                pass
            quick = quick + 1 if time.monotonic() - t < 0.25 else 0
            if quick >= 3:
                waited = time.monotonic() - began
                if waited > 2:
                    log(f"the app's backlog took {waited:.0f} s to drain")
                return waited
            time.sleep(0.2)
        log(f"the app is still busy after {max_seconds} s")
        return None

    def sql(self, statement, args=None):
        return sql(self.db, statement, args)

    def notifications(self):
        """What the provider logged about its notifications: {"sent", "failed", "timed_out"}."""
        if self.pay is None:
            return {}
        with open(self.pay.log_path, "rb") as fh:
            text = fh.read().decode("utf-8", "replace")
        sent = len(re.findall(r"notification \S+ \(\S+\) to \S+: HTTP 2\d\d", text))
        bad_status = len(re.findall(r"notification \S+ \(\S+\) to \S+: HTTP [345]\d\d", text))
        failed = len(re.findall(r"notification \S+ \(\S+\) to \S+ failed", text))
        timed_out = len(re.findall(r"notification .* failed: .*timed out", text))
        return {"sent_2xx": sent, "http_error": bad_status, "failed": failed, "timed_out": timed_out}


class Bare:
    """The bare Pyramid baselines (bench/_bare.py) under the same gunicorn settings."""

    def __init__(self, run, db=None, env=None, name="bare"):
        self.port = free_port()
        self.base = f"http://{LOOPBACK}:{self.port}"
        full_env = {"BENCH_DB": db or "", "PYTHONPATH": os.path.join(REPO, "bench")}
        full_env.update(env or {})
        argv_target = "_bare:app"
        self.run, self.name, self.env, self.target = run, name, full_env, argv_target
        self.proc = None

    def start(self):
        from _harness import GUNICORN_SETTINGS

        argv = [bin_path("gunicorn"), self.target, "--bind", f"{LOOPBACK}:{self.port}",
                "--workers", str(GUNICORN_SETTINGS["workers"]), "--worker-class", GUNICORN_SETTINGS["worker_class"],
                "--timeout", str(GUNICORN_SETTINGS["timeout"]), "--log-level", "warning", "--backlog", "2048"]
        self.proc = Proc(self.run, self.name, argv, env=self.env)
        wait_http(self.proc, self.base + "/noop")
        log(f"{self.name}: bare Pyramid under gunicorn, 2 sync workers on {self.base} (pid {self.proc.pid})")
        return self

    def workers_pids(self):
        return self.proc.children()



class Nginx:
    """deploy/nginx/olympix.conf on loopback in front of ``upstream_port``: the production micro-cache.

    The deployed file itself, with its addresses changed: the upstreams are
    the bench's gunicorn, the TLS listener a plain loopback port, the cache
    a folder of the run. Debian: ``apt install nginx``.
    """

    def __init__(self, run, upstream_port, name="nginx"):
        self.run, self.name = run, name
        self.port = free_port()
        self.base = f"http://{LOOPBACK}:{self.port}"
        folder = os.path.join(run.tmp, name)
        os.makedirs(folder, exist_ok=True)
        self.conf = nginx_site.write_config(folder, upstream_port, self.port)
        self.proc = None

    def start(self):
        try:
            nginx = find("nginx", "nginx")
        except MissingTool as exc:
            raise SystemExit(str(exc)) from None
        check = subprocess.run([nginx, "-t", "-c", self.conf], capture_output=True, text=True)
        if check.returncode:
            raise SystemExit(f"nginx refuses the configuration: {check.stderr}")
        self.proc = Proc(self.run, self.name, [nginx, "-c", self.conf])
        wait_http(self.proc, self.base + "/static/css/gate.css")
        log(f"{self.name}: deploy/nginx/olympix.conf on {self.base} (pid {self.proc.pid})")
        return self
