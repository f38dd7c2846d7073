"""deploy/nginx/olympix.conf on loopback: the production front (micro-cache, the notifications' pool) for tests and benches.

The deployed file itself, with only its addresses changed: the upstreams
are one local application, the TLS listener a plain loopback port, the
cache and the temporary files a folder of the caller's. What the file
decides (what is cached, for whom, how long, what bypasses it) is what is
tested and measured. Debian: ``apt install nginx``.
"""
import os
import re

from .layout import REPO

SITE = os.path.join(REPO, "deploy", "nginx", "olympix.conf")


def loopback_site(upstream_port, port, cache_folder, payments_port=None):
    """The deployed site's text, its upstreams on 127.0.0.1 and its listener on ``port``, plain HTTP."""
    with open(SITE, encoding="utf-8") as fh:
        site = fh.read()
    ports = {"olympix_web": upstream_port, "olympix_payments": payments_port or upstream_port}
    site = re.sub(r"(upstream (olympix_\w+) \{\n)(\s*server [^;]*;\n)+",
                  lambda m: m.group(1) + f"    server 127.0.0.1:{ports.get(m.group(2), upstream_port)};\n", site)
    site = re.sub(r"listen 443[^;]*;", f"listen 127.0.0.1:{port};", site)
    site = re.sub(r"\n\s*ssl_certificate(_key)? [^;]*;", "", site)
    # On 443 the Host a browser sends names no port; here it must, or the
    # application's redirects and links would point at port 80.
    site = site.replace("proxy_set_header Host $host;", "proxy_set_header Host $http_host;")
    return site.replace("/var/cache/nginx/olympix", cache_folder)


def write_config(folder, upstream_port, port, payments_port=None):
    """A whole nginx.conf in ``folder`` (pid, logs, cache, temporary files there); returns its path."""
    cache = os.path.join(folder, "cache")
    os.makedirs(cache, exist_ok=True)
    temp = "".join(f"  {kind}_temp_path {folder}/{kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    text = (f"daemon off;\nworker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log warn;\n"
            + ("user root;\n" if os.geteuid() == 0 else "")
            + "events { worker_connections 1024; }\n"
            + f"http {{\n  access_log off;\n{temp}"
            + loopback_site(upstream_port, port, cache, payments_port) + "\n}\n")
    path = os.path.join(folder, "nginx.conf")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path
