"""The production topology in miniature, on one machine, for development and drills.

Three MariaDB Galera nodes, HAProxy in front of them (one writer, failover
on ``wsrep_ready``) and in front of two gunicorn application nodes, and the
sandbox payment provider: ``deploy/local-cluster up|status|down|drill``
(cli.py). Everything binds 127.0.0.1; every process has a pid file under
the cluster's folder (``var/cluster/`` by default) and is stopped by
``down``. Tests build the same topology on free ports in a folder of their
own (layout.py). docs/deployment.md describes it for real servers.
"""
