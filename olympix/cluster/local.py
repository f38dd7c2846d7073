"""``up``, ``status`` and ``down`` of a local cluster (see __init__.py for the picture).

``up`` is idempotent: it starts whichever part is not running, so after a
node was killed, ``up`` brings it back and it rejoins the cluster (by IST
when the others still hold the writes it missed in their gcache, by a full
rsync SST otherwise). When no node runs, the cluster is bootstrapped from
the node Galera marked safe to bootstrap (the last one to stop), or, after
a crash of all of them, from the one with the most transactions
(``mariadbd --wsrep-recover``).
"""
import configparser
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pymysql

from . import haproxy, processes
from .layout import REPO, Layout
from .mariadbd import GALERA_PROVIDER, MissingTool, Server, find, galera_options

PAY_API_KEY = "sk_test_olympix_cluster_insecure-dev"
PAY_WEBHOOK_SECRET = "whsec_olympix_cluster_insecure-dev"
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def check_tools():
    """Raise MissingTool naming the Debian package of the first missing program."""
    find("mariadbd", "mariadb-server")
    find("mariadb-install-db", "mariadb-server")
    find("haproxy", "haproxy")
    find("rsync", "rsync")
    if not os.path.exists(GALERA_PROVIDER):
        raise MissingTool(f"{GALERA_PROVIDER} is missing (Debian package galera-4)")


def bin_path(name):
    """A console script of the project's environment (the one running this code)."""
    path = os.path.join(os.path.dirname(sys.executable), name)
    if not os.path.exists(path):
        raise MissingTool(f"{path} is missing: run ./run setup")
    return path


class Cluster:
    """The local topology; with ``galera=False``, the non-cluster setup: one server, apps straight to it."""

    def __init__(self, layout=None, log=print, galera=True):
        self.layout = layout or Layout()
        self.log = log
        self.galera = galera
        if galera:
            self.nodes = [Server(self.layout.path(name), port, name=name, options=galera_options(self.layout, i),
                                 server_id=i + 1)
                          for i, (name, port) in enumerate(zip(self.layout.nodes, self.layout.db_ports))]
        else:
            self.nodes = [Server(self.layout.path("node1"), self.layout.db_ports[0], name="node1")]
            self.layout.extra.setdefault("sqlalchemy.url", f"mysql+pymysql://root@127.0.0.1:{self.nodes[0].port}"
                                                           "/olympix?charset=utf8mb4")

    # -- the database nodes ------------------------------------------------------
    def node(self, name):
        return next(n for n in self.nodes if n.name == name)

    def _bootstrap_choice(self):
        for node in self.nodes:
            if _grastate(node).get("safe_to_bootstrap") == "1":
                return node
        fresh = [n for n in self.nodes if not os.path.exists(os.path.join(n.datadir, "grastate.dat"))]
        if len(fresh) == len(self.nodes):
            return self.nodes[0]
        # Every node crashed: start from the one that committed the most.
        best, best_seqno = self.nodes[0], -2
        for node in self.nodes:
            seqno = _recover_seqno(node)
            if seqno > best_seqno:
                best, best_seqno = node, seqno
        _set_safe_to_bootstrap(best)
        self.log(f"no node was safe to bootstrap: {best.name} has the most transactions ({best_seqno})")
        return best

    def start_nodes(self, timeout=120):
        for node in self.nodes:
            if node.prepare():
                self.log(f"{node.name}: data directory created")
        if not self.galera:
            self.nodes[0].start()
            self.nodes[0].wait_ready(timeout)
            return
        running = [n for n in self.nodes if n.pid()]
        if not running:
            first = self._bootstrap_choice()
            first.start("--wsrep-new-cluster")
            self.log(f"{first.name}: bootstrapping the cluster on 127.0.0.1:{first.port}")
            first.wait_ready(timeout, lambda s: s.get("wsrep_ready") == "ON")
            running = [first]
        started = [n for n in self.nodes if n not in running and n.start()]
        for node in started:
            self.log(f"{node.name}: joining on 127.0.0.1:{node.port}")
        for node in started:
            node.wait_ready(timeout, synced)
            self.log(f"{node.name}: synced")

    def wait_synced(self, node, size=None, timeout=120):
        """Wait until ``node`` is Synced (in a cluster of ``size``); returns the seconds it took."""
        started = time.monotonic()
        node.wait_ready(timeout, lambda s: synced(s) and (size is None or int(s.get("wsrep_cluster_size", 0)) == size))
        return time.monotonic() - started

    def writer(self):
        """The node HAProxy sends writes to now (asked through HAProxy itself), or None."""
        if not self.galera:
            return self.nodes[0] if self.nodes[0].status(prefix="Uptime") is not None else None

        try:
            conn = pymysql.connect(host="127.0.0.1", port=self.layout.db_proxy_port, user="root",
                                   connect_timeout=2, read_timeout=3)
        except pymysql.err.MySQLError:
            return None
        try:
            with conn.cursor() as cursor:
                cursor.execute("SELECT @@wsrep_node_name")
                name = cursor.fetchone()[0]
        except pymysql.err.MySQLError:
            return None
        finally:
            conn.close()
        return self.node(name)

    # -- the database itself ---------------------------------------------------
    def ensure_database(self):
        node = next(n for n in self.nodes if n.pid())
        node.query("CREATE DATABASE IF NOT EXISTS olympix CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        done = subprocess.run([bin_path("olympix"), "db", "upgrade", self.ini()], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"olympix db upgrade failed:\n{done.stdout}{done.stderr}")

    def ini(self):
        layout = self.layout
        if layout.is_default():
            return layout.ini
        parser = configparser.ConfigParser(interpolation=None)
        parser.optionxform = str
        parser.read(layout.ini_template)
        app = parser["app:main"]
        app["sqlalchemy.url"] = layout.db_url()
        app["olympix.base_url"] = f"http://127.0.0.1:{layout.web_proxy_port}"
        app["olympix.payment.url"] = f"http://127.0.0.1:{layout.pay_port}"
        app["olympix.payment.notify_url"] = f"http://127.0.0.1:{layout.web_proxy_port}/api/payments/notify"
        app["olympix.sms.outbox"] = layout.path("sms-outbox")
        parser["alembic"]["script_location"] = os.path.join(REPO, "alembic")
        for key, value in layout.extra.items():
            app[key] = value
        with open(layout.ini, "w") as fh:
            parser.write(fh)
        return layout.ini

    # -- payment provider and application nodes --------------------------------
    def start_sandbox(self):
        pidfile, marker = self.layout.path("sandboxpay.pid"), f"--port {self.layout.pay_port}"
        if processes.running(pidfile, marker):
            return
        processes.start([bin_path("sandboxpay-serve"), "--port", str(self.layout.pay_port),
                         "--db", self.layout.path("sandboxpay.sqlite"), "--api-key", PAY_API_KEY,
                         "--webhook-secret", PAY_WEBHOOK_SECRET, "--notify-delay", "2"],
                        pidfile, self.layout.path("sandboxpay.log"))
        _wait_http(f"http://127.0.0.1:{self.layout.pay_port}/", "sandboxpay", self.layout.path("sandboxpay.log"))
        self.log(f"sandboxpay: 127.0.0.1:{self.layout.pay_port}")

    def app_marker(self, port):
        return f"--bind 127.0.0.1:{port}"

    def start_apps(self, ini):
        started = []
        for name, port in zip(self.layout.apps, self.layout.app_ports):
            pidfile = self.layout.path(f"{name}.pid")
            if processes.running(pidfile, self.app_marker(port)):
                continue
            processes.start([bin_path("gunicorn"), "--paste", ini, "--bind", f"127.0.0.1:{port}",
                             "--workers", "2", "--worker-class", "sync", "--timeout", "30",
                             "--graceful-timeout", "5"], pidfile, self.layout.path(f"{name}.log"), cwd=REPO)
            started.append((name, port))
        for name, port in started:
            _wait_http(f"http://127.0.0.1:{port}/static/css/olympix.css", name, self.layout.path(f"{name}.log"))
            self.log(f"{name}: gunicorn on 127.0.0.1:{port}")
        if started:
            _wait_http(f"http://127.0.0.1:{self.layout.web_proxy_port}/static/css/olympix.css", "haproxy web",
                       self.layout.path("haproxy.log"), timeout=15)

    # -- the whole -------------------------------------------------------------
    def up(self):
        check_tools()
        os.makedirs(self.layout.base, exist_ok=True)
        self.start_nodes()
        if haproxy.start(self.layout, galera=self.galera):
            self.log(f"haproxy: database 127.0.0.1:{self.layout.db_proxy_port}, "
                     f"site 127.0.0.1:{self.layout.web_proxy_port}")
        if self.galera:
            _wait_port(self.layout.db_proxy_port)
        self.wait_writer()
        self.ensure_database()
        self.start_sandbox()
        self.start_apps(self.ini())
        self.log(f"olympix: http://127.0.0.1:{self.layout.web_proxy_port}  (ini {os.path.relpath(self.ini())})")

    def wait_writer(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.writer() is not None:
                return
            time.sleep(0.3)
        raise RuntimeError("HAProxy sends the database connections to no node")

    def down(self):
        stopped = []
        for name, port in zip(self.layout.apps, self.layout.app_ports):
            if processes.stop(self.layout.path(f"{name}.pid"), self.app_marker(port), timeout=15):
                stopped.append(name)
        if processes.stop(self.layout.path("sandboxpay.pid"), f"--port {self.layout.pay_port}", timeout=10):
            stopped.append("sandboxpay")
        if haproxy.stop(self.layout):
            stopped.append("haproxy")
        # One at a time, the writer last: the last node to leave is the one
        # Galera marks safe to bootstrap from next time.
        for node in reversed(self.nodes):
            if node.stop(timeout=60):
                stopped.append(node.name)
        self.log("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
        return stopped

    def status(self):
        """Rows of (part, port, pid, health) for every part."""
        rows = []
        proxy = haproxy.stats(self.layout)
        writer = self.writer() if haproxy.pid(self.layout) else None
        for node in self.nodes:
            pid = node.pid()
            health = "stopped"
            if pid:
                s = node.status()
                health = ("not answering" if s is None else
                          f"cluster_size={s.get('wsrep_cluster_size')} {s.get('wsrep_local_state_comment')}"
                          f" ready={s.get('wsrep_ready')}")
            seen = proxy.get(("galera", node.name))
            if seen:
                health += f"  haproxy={seen[0]}"
            if writer is not None and writer.name == node.name:
                health += "  WRITER"
            rows.append((node.name, node.port, pid, health))
        rows.append(("haproxy db", self.layout.db_proxy_port, haproxy.pid(self.layout),
                     "writer " + (writer.name if writer else "none")))
        rows.append(("haproxy web", self.layout.web_proxy_port, haproxy.pid(self.layout),
                     _http_health(f"http://127.0.0.1:{self.layout.web_proxy_port}/static/css/olympix.css")))
        for name, port in zip(self.layout.apps, self.layout.app_ports):
            pid = processes.running(self.layout.path(f"{name}.pid"), self.app_marker(port))
            health = _http_health(f"http://127.0.0.1:{port}/static/css/olympix.css") if pid else "stopped"
            seen = proxy.get(("olympix", name))
            rows.append((name, port, pid, health + (f"  haproxy={seen[0]}" if seen else "")))
        pid = processes.running(self.layout.path("sandboxpay.pid"), f"--port {self.layout.pay_port}")
        rows.append(("sandboxpay", self.layout.pay_port, pid,
                     _http_health(f"http://127.0.0.1:{self.layout.pay_port}/") if pid else "stopped"))
        return rows


def synced(status):
    return status.get("wsrep_ready") == "ON" and status.get("wsrep_local_state_comment") == "Synced"


def _grastate(node):
    """grastate.dat of a node as a dict (seqno, safe_to_bootstrap…), {} when there is none."""
    state = {}
    try:
        with open(os.path.join(node.datadir, "grastate.dat")) as fh:
            for line in fh:
                key, sep, value = line.partition(":")
                if sep and not key.startswith("#"):
                    state[key.strip()] = value.strip()
    except OSError:
        pass
    return state


def _set_safe_to_bootstrap(node):
    path = os.path.join(node.datadir, "grastate.dat")
    with open(path) as fh:
        text = fh.read()
    with open(path, "w") as fh:
        fh.write(re.sub(r"safe_to_bootstrap:\s*\d", "safe_to_bootstrap: 1", text))


def _recover_seqno(node):
    """The last committed seqno of a stopped node (``mariadbd --wsrep-recover``), -1 if unknown."""
    seqno = _grastate(node).get("seqno", "-1")
    if seqno not in ("-1", ""):
        return int(seqno)
    subprocess.run([find("mariadbd", "mariadb-server"), node.marker, "--wsrep-recover",
                    f"--log-error={node.folder}/recover.log"], capture_output=True, text=True, timeout=120)
    try:
        with open(f"{node.folder}/recover.log", errors="replace") as fh:
            found = re.findall(r"Recovered position: [0-9a-f-]+:(-?\d+)", fh.read())
    except OSError:
        found = []
    return int(found[-1]) if found else -1


def _http_health(url):
    try:
        with _opener.open(url, timeout=3) as response:
            return f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except OSError as exc:
        return f"not answering ({exc.__class__.__name__})"


def _wait_http(url, name, log, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _http_health(url).startswith("HTTP 2"):
            return
        time.sleep(0.2)
    try:
        with open(log, errors="replace") as fh:
            tail = "".join(fh.readlines()[-20:])
    except OSError:
        tail = ""
    raise RuntimeError(f"{name} does not answer on {url}:\n{tail}")


def _wait_port(port, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")
