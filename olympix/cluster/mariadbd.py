"""One private ``mariadbd``: its own folder, data directory, socket and 127.0.0.1 port.

Used for the Galera nodes of the local cluster and, without Galera, for the
single-server drills and the point-in-time-recovery tests: a fault test
only ever kills servers it started itself, never the machine's shared one.

Run as root, the server drops to the ``mysql`` user and its folder is
given to that user: Galera's rsync state transfer refuses to run as root
(its rsync daemon drops privileges, then cannot write the data directory).
"""
import os
import pwd
import shutil
import subprocess
import time

import pymysql

from . import processes

GALERA_PROVIDER = "/usr/lib/galera/libgalera_smm.so"
SMALL = {
    # A few tens of MB per node, so three nodes, two application nodes
    # and the tests fit in 2 cores: the data set of a drill is tiny.
    "innodb_buffer_pool_size": "32M",
    "innodb_log_file_size": "16M",
    "innodb_log_buffer_size": "4M",
    "performance_schema": "OFF",
    "max_connections": "200",
    "thread_cache_size": "8",
    "table_open_cache": "400",
    "key_buffer_size": "1M",
    "aria_pagecache_buffer_size": "8M",
}


class MissingTool(Exception):
    """A program the servers need is not installed (the message says which package)."""


def find(name, package):
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if not path:
        raise MissingTool(f"{name} is not installed (Debian package {package})")
    return path


def run_as_mysql():
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("mysql")
    except KeyError:
        raise MissingTool("running as root needs the mysql user (Debian package mariadb-server)") from None


class Server:
    """A mariadbd in ``folder`` on ``port``; ``options`` go into its [mariadbd] section."""

    def __init__(self, folder, port, name="mariadb", pidfile=None, options=None, server_id=1):
        self.folder = os.path.abspath(folder)
        self.port = port
        self.name = name
        self.datadir = os.path.join(self.folder, "data")
        self.socket = os.path.join(self.folder, "mariadb.sock")
        self.cnf = os.path.join(self.folder, "my.cnf")
        self.log = os.path.join(self.folder, "server.log")
        self.pidfile = pidfile or os.path.join(os.path.dirname(self.folder), f"{name}.pid")
        self.server_id = server_id
        self.options = dict(options or {})
        self.process = None

    # -- files -------------------------------------------------------------
    def config(self):
        user = run_as_mysql()
        settings = {
            "datadir": self.datadir,
            "socket": self.socket,
            "port": str(self.port),
            "bind-address": "127.0.0.1",
            "pid-file": os.path.join(self.folder, "mariadbd.pid"),
            "server_id": str(self.server_id),
            # Point-in-time recovery: every committed change in the binary
            # log, on disk at commit, as rows.
            "log_bin": os.path.join(self.datadir, "binlog"),
            "sync_binlog": "1",
            "binlog_format": "ROW",
            "innodb_flush_log_at_trx_commit": "1",
            "character_set_server": "utf8mb4",
            "collation_server": "utf8mb4_unicode_ci",
            **SMALL,
            **self.options,
        }
        if user:
            settings["user"] = "mysql"
        lines = ["[mariadbd]"]
        for key, value in settings.items():
            lines.append(key if value is None else f"{key} = {value}")
        return "\n".join(lines) + "\n"

    def prepare(self):
        """Write the config; create the data directory with mariadb-install-db if it is not there."""
        os.makedirs(self.folder, exist_ok=True)
        with open(self.cnf, "w") as fh:
            fh.write(self.config())
        user = run_as_mysql()
        if user:
            _traversable(self.folder)
        if os.path.isdir(os.path.join(self.datadir, "mysql")):
            return False
        os.makedirs(self.datadir, exist_ok=True)
        if user:
            _chown_tree(self.folder, user)
        args = [find("mariadb-install-db", "mariadb-server"), f"--defaults-file={self.cnf}",
                "--auth-root-authentication-method=normal", "--skip-test-db"]
        if user:
            args.append("--user=mysql")
        done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"mariadb-install-db failed for {self.name}:\n{done.stdout[-2000:]}")
        if user:
            _chown_tree(self.folder, user)
        return True

    # -- process -------------------------------------------------------------
    @property
    def marker(self):
        return f"--defaults-file={self.cnf}"

    def pid(self):
        return processes.running(self.pidfile, self.marker)

    def start(self, *extra):
        if self.pid():
            return False
        self.process = processes.start([find("mariadbd", "mariadb-server"), self.marker, *extra],
                                       self.pidfile, self.log)
        if run_as_mysql():
            try:
                os.chown(self.log, run_as_mysql().pw_uid, -1)
            except OSError:
                pass
        return True

    def kill(self):
        return processes.kill(self.pidfile, self.marker)

    def stop(self, timeout=60):
        return processes.stop(self.pidfile, self.marker, timeout=timeout)

    # -- talking to it -------------------------------------------------------
    def connect(self, database=None, timeout=2):
        return pymysql.connect(host="127.0.0.1", port=self.port, user="root", password="",
                               database=database, connect_timeout=timeout, autocommit=True)

    def query(self, sql, timeout=2):
        connection = self.connect(timeout=timeout)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall()
        finally:
            connection.close()

    def status(self, prefix="wsrep_"):
        """SHOW GLOBAL STATUS for ``prefix`` as a dict, or None when the server does not answer."""
        try:
            return {k: v for k, v in self.query(f"SHOW GLOBAL STATUS LIKE '{prefix}%'")}
        except pymysql.err.MySQLError:
            return None

    def wait_ready(self, timeout=60, check=None):
        """Wait until the server answers (and ``check(status)`` holds); raise with its log's tail if not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pid() is None and (self.process is None or self.process.poll() is not None):
                raise RuntimeError(f"{self.name} stopped while starting:\n{self.log_tail()}")
            status = self.status()
            if status is not None and (check is None or check(status)):
                return status
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def log_tail(self, lines=25):
        try:
            with open(self.log, errors="replace") as fh:
                return "".join(fh.readlines()[-lines:])
        except OSError:
            return "(no log)"


def _traversable(folder):
    """Let the mysql user reach ``folder`` through its parents (they may be root's 0700 folders)."""
    path = os.path.dirname(folder)
    while path and path != "/":
        mode = os.stat(path).st_mode
        if not mode & 0o001:
            os.chmod(path, mode | 0o001)
        path = os.path.dirname(path)


def _chown_tree(folder, user):
    for root, dirs, files in os.walk(folder):
        os.chown(root, user.pw_uid, user.pw_gid)
        for name in files:
            os.chown(os.path.join(root, name), user.pw_uid, user.pw_gid)


def galera_options(layout, index, cluster_name="olympix-local"):
    """The wsrep settings of node ``index`` (0-based) of ``layout``: ports of its own on 127.0.0.1."""
    gcomm = ",".join(f"127.0.0.1:{p}" for p in layout.gcomm_ports)
    provider = ";".join([
        f"gmcast.listen_addr=tcp://127.0.0.1:{layout.gcomm_ports[index]}",
        f"ist.recv_addr=127.0.0.1:{layout.ist_ports[index]}",
        "gcache.size=32M",
        # Declare a silent node dead within a few seconds (the drill's
        # SIGKILL closes its sockets at once anyway).
        "evs.suspect_timeout=PT3S",
        "evs.inactive_timeout=PT6S",
    ])
    return {
        "wsrep_on": "ON",
        "wsrep_provider": GALERA_PROVIDER,
        "wsrep_cluster_name": cluster_name,
        "wsrep_cluster_address": f"gcomm://{gcomm}",
        "wsrep_node_name": f"node{index + 1}",
        "wsrep_node_address": f"127.0.0.1:{layout.gcomm_ports[index]}",
        "wsrep_provider_options": f'"{provider}"',
        "wsrep_sst_method": "rsync",
        "wsrep_sst_receive_address": f"127.0.0.1:{layout.sst_ports[index]}",
        "wsrep_slave_threads": "2",
        "innodb_autoinc_lock_mode": "2",
        "default_storage_engine": "InnoDB",
        # Every node logs every write, so binary logs can be streamed from
        # whichever node is the writer.
        "log_slave_updates": "ON",
    }
