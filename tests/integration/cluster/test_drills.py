"""Drills: a sale through two application nodes while database servers die.

The same drills as ``deploy/local-cluster drill``, on a cluster of the
test's own (free ports, a folder under /tmp), stopped even when a test
fails. What they assert is what losing nothing means: no order confirmed to
a buyer is missing afterwards, no seat is sold twice, every seat is left,
sold or held, every paid order has its tickets, no buyer sees a traceback,
and the sale goes on within 30 s of the writer's death (RTO 5 min).
"""
import pytest

from olympix.cluster.drill import Drill
from olympix.cluster.layout import private_layout
from olympix.cluster.local import Cluster

from .servers import need, on_exit, private_folder, remove_folder

pytestmark = pytest.mark.mariadb

SERVER_TOOLS = (("mariadbd", "mariadb-server"), ("mariadb-install-db", "mariadb-server"),
                ("haproxy", "haproxy"))


def started(galera, prefix):
    need(*SERVER_TOOLS)
    if galera:
        need(("/usr/lib/galera/libgalera_smm.so", "galera-4"), ("rsync", "rsync"))
    folder = private_folder(prefix)
    cluster = Cluster(private_layout(folder), log=lambda message: None, galera=galera)

    def close():
        try:
            cluster.down()
        finally:
            remove_folder(folder)

    on_exit(close)
    try:
        cluster.up()
    except BaseException:
        close()
        raise
    return cluster, close


@pytest.fixture(scope="module")
def galera(database_url):
    """Three Galera nodes, HAProxy, two gunicorn nodes and sandboxpay, all of this test's own."""
    cluster, close = started(True, "galera")
    try:
        yield cluster
    finally:
        close()


def assert_nothing_lost(report):
    print(report.text())
    assert report.confirmed >= report.attempted // 2, "the drill sold too little to prove anything"
    assert report.lost == 0, "a purchase confirmed to its buyer is not in the database"
    assert report.oversold == 0
    assert report.seats_left + report.seats_sold + report.seats_held == report.capacity
    assert report.paid_without_tickets == 0
    assert not [p for p in report.problems if "traceback" in p.lower()]


def test_a_node_then_the_writer_killed_mid_sale(galera):
    report = Drill(galera, buyers=5, purchases=36, seconds=100, capacity=40, spread=24,
                   log=lambda message: None).run_cluster()
    assert_nothing_lost(report)
    assert report.node_back_in_cluster is not None and report.node_back_in_cluster < 90
    assert report.writer_death_to_next_purchase is not None, "no purchase was confirmed after the writer died"
    assert report.writer_death_to_next_purchase < 30
    assert report.refused > 0  # demand exceeded the seats: the last buyers were told "sold out"
    # the cluster is whole again
    assert all(node.status()["wsrep_cluster_size"] == "3" for node in galera.nodes)


def test_the_single_server_restarted_mid_sale(database_url):
    cluster, close = started(False, "single")
    try:
        report = Drill(cluster, buyers=4, purchases=20, seconds=80, capacity=60, spread=12,
                       log=lambda message: None).run_single(cluster.nodes[0])
    finally:
        close()
    assert_nothing_lost(report)
    assert report.server_back is not None
