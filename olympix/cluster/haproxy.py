"""HAProxy in front of the database nodes (one writer) and of the application nodes.

The database frontend sends every connection to a single node: Galera
certifies conflicting writes made on different nodes at COMMIT and aborts
all but one (error 1213), and the seat counters are the hottest rows there
are. The first node is the writer, the others are ``backup`` servers, used
one at a time in order when it fails; ``stick on`` keeps the new writer
even after the old one comes back, so writes move once per failure, not
twice. Health is Galera's own (deploy/galera-check: wsrep_ready and Synced),
checked every second, every 300 ms once a check failed; a node marked down
has its connections cut (``on-marked-down shutdown-sessions``) so that no
client keeps writing to a node outside the cluster.
"""
import os
import socket
import subprocess

from . import processes
from .layout import REPO
from .mariadbd import find

CHECK = os.path.join(REPO, "deploy", "galera-check")


def config(layout, galera=True):
    app_servers = "\n".join(
        f"    server {name} 127.0.0.1:{port} check" for name, port in zip(layout.apps, layout.app_ports))
    return f"""# Written by deploy/local-cluster (olympix/cluster/haproxy.py); edits are overwritten.
global
    log stdout format short local0 info
    maxconn 2000
    stats socket {layout.path('haproxy.sock')} mode 600 level admin
    # Galera health is asked of the node itself by deploy/galera-check.
    external-check
    insecure-fork-wanted
    setenv GALERA_CHECK_USER root

defaults
    log global
    timeout connect 2s
    timeout client 30m
    timeout server 30m
    timeout check 3s

{_database(layout) if galera else ""}
# The site: the application nodes hold no state, any of them serves anyone.
frontend web
    mode http
    bind 127.0.0.1:{layout.web_proxy_port}
    option forwardfor
    # No server banner (gunicorn always names itself in "Server").
    http-response del-header Server
    timeout client 60s
    default_backend olympix

backend olympix
    mode http
    balance roundrobin
    option httpchk GET /static/css/olympix.css
    # Only a request that never reached a node is tried on another one; a
    # node that failed mid-request may have done the work.
    retries 2
    option redispatch
    retry-on conn-failure
    timeout server 60s
    default-server inter 1s fall 2 rise 2
{app_servers}
"""


def _database(layout):
    servers = "\n".join(
        f"    server {name} 127.0.0.1:{port} check{'' if i == 0 else ' backup'}"
        for i, (name, port) in enumerate(zip(layout.nodes, layout.db_ports)))
    return f"""# The database: one writer, failover in order (see olympix/cluster/haproxy.py).
frontend db
    mode tcp
    bind 127.0.0.1:{layout.db_proxy_port}
    default_backend galera

backend galera
    mode tcp
    option external-check
    external-check path "/usr/bin:/bin:/usr/sbin:/sbin"
    external-check command {CHECK}
    stick-table type integer size 1
    stick on int(1)
    default-server inter 1s fastinter 300ms downinter 2s fall 2 rise 2 on-marked-down shutdown-sessions
{servers}
"""


def write(layout, galera=True):
    path = layout.path("haproxy.cfg")
    with open(path, "w") as fh:
        fh.write(config(layout, galera))
    haproxy = find("haproxy", "haproxy")
    check = subprocess.run([haproxy, "-c", "-q", "-f", path], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"haproxy refuses {path}:\n{check.stdout}{check.stderr}")
    return path


def marker(layout):
    return f"-f {layout.path('haproxy.cfg')}"


def pid(layout):
    return processes.running(layout.path("haproxy.pid"), marker(layout))


def start(layout, galera=True):
    if pid(layout):
        return False
    path = write(layout, galera)
    # In the foreground of a session of its own (-db: no daemon fork), so
    # the pid file holds the process that serves and the test harness can
    # reap it; -W would add a master process for reloads, not needed here.
    processes.start([find("haproxy", "haproxy"), "-db", "-f", path], layout.path("haproxy.pid"),
                    layout.path("haproxy.log"))
    return True


def stop(layout):
    return processes.stop(layout.path("haproxy.pid"), marker(layout), timeout=10)


def stats(layout):
    """{(backend, server): (status, check detail)} from HAProxy's stats socket, or {}."""
    path = layout.path("haproxy.sock")
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(2)
            sock.connect(path)
            sock.sendall(b"show stat\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
    except OSError:
        return {}
    lines = data.decode(errors="replace").splitlines()
    if not lines or not lines[0].startswith("# "):
        return {}
    header = lines[0][2:].split(",")
    result = {}
    for line in lines[1:]:
        row = dict(zip(header, line.split(",")))
        if row.get("svname") in ("FRONTEND", "BACKEND") or not row.get("pxname"):
            continue
        result[(row["pxname"], row["svname"])] = (row.get("status", ""), row.get("check_status", ""))
    return result
