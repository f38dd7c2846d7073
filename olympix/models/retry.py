"""Which database errors replay a request, and which mean "the database is down".

pyramid_retry replays a whole request (a fresh transaction that re-reads
everything) when the error is marked retryable. Safe to replay, because the
server rolled the transaction back or never saw it:

- 1213 deadlock, which is also how Galera reports a certification failure
  at COMMIT (another node committed a conflicting write first);
- 1205 lock-wait timeout;
- 1062 duplicate key: a concurrent request won a race (same e-mail signing
  up twice, same notification twice) and the replay sees its row;
- the connection lost or refused: 2002/2003 cannot connect, 2006/2013
  gone away / lost during a query, 1927 connection killed (KILL
  CONNECTION), 1053 server shutting down, 1047/1180 a Galera node that left
  the primary component ("WSREP has not yet prepared node for application
  use"), and whatever SQLAlchemy itself recognises as a disconnect.

One case stays ambiguous: a connection lost *during* COMMIT, when the
server may have committed. Every write the sale depends on is guarded by a
conditional UPDATE (seats, order state, payment state, ticket state), so a
replay of a committed request finds nothing to move: a payment completes
once, a seat is taken once. A replayed hold can leave a second held order,
whose seats come back when the hold lapses (docs/deployment.md).

Marking happens in an engine ``handle_error`` hook rather than only through
zope.sqlalchemy's list: a request whose very first connection fails has no
data manager joined yet, and zope.sqlalchemy would never be asked.
"""
import random
import time

import pymysql
from pyramid_retry import IBeforeRetry, mark_error_retryable
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError

DEADLOCK = 1213
UNAVAILABLE_CODES = {2002, 2003, 2006, 2013, 1927, 1053, 1047, 1180}
RETRYABLE_CODES = {DEADLOCK, 1205, 1062} | UNAVAILABLE_CODES

# Seconds to wait before replay number n (1, 2, …) after a lost server: long
# enough for HAProxy to mark a dead writer down and send the replay to the
# next node (about 1.5 s with deploy/'s checks), short enough for a buyer.
UNAVAILABLE_PAUSES = (0.5, 1.0, 2.0, 2.0)


def error_code(orig):
    """The MariaDB error number of a DBAPI exception, or None."""
    if isinstance(orig, pymysql.err.MySQLError) and orig.args and isinstance(orig.args[0], int):
        return orig.args[0]
    return None


def _dbapi_errors(exc):
    """``exc`` and the DBAPIErrors it was raised from (PendingRollbackError…)."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, DBAPIError):
            yield exc
        exc = exc.__cause__ or exc.__context__
        seen += 1


def is_unavailable(exc):
    """True when ``exc`` says the database could not be reached (not a bug)."""
    for error in _dbapi_errors(exc):
        if error.connection_invalidated or error_code(error.orig) in UNAVAILABLE_CODES:
            return True
        if isinstance(error.orig, pymysql.err.InterfaceError):  # used a closed connection
            return True
    return False


def _mark_retryable(context):
    exc = context.sqlalchemy_exception
    if exc is None:
        return
    if context.is_disconnect or error_code(context.original_exception) in RETRYABLE_CODES:
        mark_error_retryable(exc)


def watch_engine(engine):
    """Mark the engine's retryable errors for pyramid_retry (MariaDB only)."""
    if engine.dialect.name in ("mysql", "mariadb"):
        event.listen(engine, "handle_error", _mark_retryable)


def pause_before_retry(before_retry):
    """Give a failover time to happen before replaying; spread deadlock replays."""
    attempt = before_retry.environ.get("retry.attempt", 0)
    if is_unavailable(before_retry.exception):
        time.sleep(UNAVAILABLE_PAUSES[min(attempt, len(UNAVAILABLE_PAUSES) - 1)])
    elif any(error_code(e.orig) == DEADLOCK for e in _dbapi_errors(before_retry.exception)):
        time.sleep(random.uniform(0, 0.05))


def includeme(config):
    config.add_subscriber(pause_before_retry, IBeforeRetry)
