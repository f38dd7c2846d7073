"""Where each part of a local cluster lives: folders and 127.0.0.1 ports."""
import os
import socket
from dataclasses import dataclass, field

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_INI = os.path.join(REPO, "deploy", "local-cluster.ini")


@dataclass
class Layout:
    """Folders and ports of one local cluster (the defaults are deploy/local-cluster's)."""

    base: str = os.path.join(REPO, "var", "cluster")
    db_ports: tuple = (3311, 3312, 3313)
    gcomm_ports: tuple = (4511, 4512, 4513)  # Galera group communication
    ist_ports: tuple = (4521, 4522, 4523)  # incremental state transfer
    sst_ports: tuple = (4531, 4532, 4533)  # full state transfer (rsync)
    db_proxy_port: int = 3310  # HAProxy: the one writer
    app_ports: tuple = (6611, 6612)
    web_proxy_port: int = 6610  # HAProxy: the site
    pay_port: int = 6613  # sandbox payment provider
    ini_template: str = DEFAULT_INI
    extra: dict = field(default_factory=dict)

    def path(self, *parts):
        return os.path.join(self.base, *parts)

    @property
    def nodes(self):
        return [f"node{i + 1}" for i in range(len(self.db_ports))]

    @property
    def apps(self):
        return [f"app{i + 1}" for i in range(len(self.app_ports))]

    @property
    def ini(self):
        """The application nodes' ini: the repository's one for the default layout."""
        if self.is_default():
            return self.ini_template
        return self.path("local-cluster.ini")

    def is_default(self):
        return self == Layout()

    def db_url(self, database="olympix"):
        return f"mysql+pymysql://root@127.0.0.1:{self.db_proxy_port}/{database}?charset=utf8mb4"


def free_ports(count):
    """``count`` distinct free ports on 127.0.0.1 (bound together, so distinct)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def private_layout(base, nodes=3):
    """A layout on free ports under ``base`` (tests, and clusters beside the default one)."""
    ports = free_ports(4 * nodes + 2 + 2 + 1)
    take = lambda n: tuple(ports.pop() for _ in range(n))  # noqa: E731
    return Layout(base=base, db_ports=take(nodes), gcomm_ports=take(nodes), ist_ports=take(nodes),
                  sst_ports=take(nodes), db_proxy_port=ports.pop(), app_ports=take(2),
                  web_proxy_port=ports.pop(), pay_port=ports.pop())
