"""Models, and the per-request database session.

``request.dbsession`` is joined to ``request.tm`` (pyramid_tm with an
explicit manager), so a request commits or aborts as one transaction.
Tests point the application at a database of their own (tests/conftest.py).
"""
import pymysql
from pymysql.constants import SERVER_STATUS
import zope.sqlalchemy.datamanager
from zope.sqlalchemy.datamanager import ZopeStatus, ZopeTransactionEvents, join_transaction, mark_changed
from sqlalchemy import engine_from_config, event
from sqlalchemy.orm import configure_mappers, sessionmaker
from sqlalchemy.pool import NullPool

from . import retry
from .meta import Base  # noqa: F401
from .accounts import AuthSession, ThrottleHit, User, UserState, VerificationCode  # noqa: F401
from .audit import AuditEntry  # noqa: F401
from .figures import SignIn, Visit  # noqa: F401
from .catalogue import Event, EventState, Offer, OfferKind, Sport, Venue  # noqa: F401
from .content import ContactMessage, ContentHistory, ContentItem, ContentText  # noqa: F401
from .orders import Order, OrderAttendee, OrderLine, OrderState, Payment, PaymentStatus  # noqa: F401
from .tickets import Ticket, TicketHistory, TicketState  # noqa: F401
from .refunds import Refund, RefundReason, RefundStatus  # noqa: F401
from .resale import ListingState, ResaleListing, ResaleListingTicket  # noqa: F401
from .waiting_list import WaitingEntry, WaitingState  # noqa: F401
from .gate import DeviceToken, Gate, Scan, Verdict  # noqa: F401
from .waiting_room import QueuePlace, QueueState  # noqa: F401

configure_mappers()

# Which MariaDB errors pyramid_retry may replay a request on, and why that
# is safe: see retry.py (deadlocks and Galera certification failures, lost
# or refused connections, duplicate-key races).
zope.sqlalchemy.datamanager._retryable_errors.append(
    (pymysql.err.MySQLError, lambda exc: retry.error_code(exc) in retry.RETRYABLE_CODES)
)


def _rollback_if_open(dbapi_connection, record, reset_state):
    """A connection back in the pool leaves its transaction behind, if it has one.

    After pyramid_tm's COMMIT (or a Session's ROLLBACK) there is none, and
    the server said so in the status flags of its last answer, which
    PyMySQL keeps: no round trip is needed to know. A connection returned
    in the middle of a transaction (an error, a script) is rolled back as
    the pool's default would (issue 11.4).
    """
    if reset_state.terminate_only:
        return
    status = getattr(dbapi_connection, "server_status", None)
    if status is None or status & SERVER_STATUS.SERVER_STATUS_IN_TRANS:
        dbapi_connection.rollback()


def get_engine(settings, prefix="sqlalchemy."):
    if str(settings.get(prefix + "url", "")).startswith("sqlite"):
        # A fresh SQLite connection per checkout: a pooled connection could
        # carry a read snapshot from its last use into the next request
        # (stale reads, and "database is locked" when it then writes).
        engine = engine_from_config(settings, prefix, poolclass=NullPool)
    else:
        # No ping on every checkout (issue 11.4: one round trip more per
        # request, for a failure that is rare): a pooled connection to a node
        # that died, or that HAProxy moved away from, fails on its first
        # statement, SQLAlchemy sees a disconnect and empties the pool, and
        # pyramid_retry replays the request on a fresh connection (retry.py:
        # lost connections are retryable). ``olympix.db.pre_ping = true``
        # brings the ping back. pool_recycle stays under HAProxy's idle
        # timeout (deploy/).
        pre_ping = str(settings.get("olympix.db.pre_ping", "false")).lower() in ("true", "1", "yes", "on")
        # Rollback-on-return only when a transaction is open: the pool's
        # default sent a ROLLBACK after every COMMIT (_rollback_if_open).
        # READ COMMITTED, set once per connection: each statement reads what
        # is committed when it runs. Under MariaDB's default (REPEATABLE
        # READ) a request's snapshot dates from its first read, before the
        # row locks that serialise it with others: two tabs of one buyer
        # both passed the per-event limit (test_a_second_tab_sees_the_first_
        # tabs_hold_committed_meanwhile), and every other read-after-lock
        # would need the same care. It also takes no gap locks on reads.
        engine = engine_from_config(settings, prefix, pool_pre_ping=pre_ping, pool_recycle=1800,
                                    pool_reset_on_return=None, isolation_level="READ COMMITTED")
        event.listen(engine, "reset", _rollback_if_open)
        retry.watch_engine(engine)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, record):
            # Let SQLAlchemy, not the sqlite3 module, say when a transaction
            # starts (see _sqlite_begin).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # Writers queue for the lock rather than fail (cron jobs and
            # requests share one file in development).
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            # The embedded SQLite serves development and demos, not the
            # sales rush: every transaction takes the write lock at once.
            # A deferred transaction that reads and then writes fails with
            # "database is locked" (without waiting) as soon as another
            # connection wrote in between, and reads outside a transaction
            # can see an older snapshot than the request that just committed.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    return engine


#: Where a session keeps its request's transaction manager.
TRANSACTION_MANAGER = "transaction_manager"


class _EachSessionsManager(ZopeTransactionEvents):
    """zope.sqlalchemy's listeners, registered once on the session factory.

    ``zope.sqlalchemy.register(session, transaction_manager=…)`` adds seven
    event listeners to every new session, and SQLAlchemy's event registry is
    slow to grow and to collect: 13% of a gate scan's CPU (issue 11.4, py-spy).
    Registered on the factory, the listeners are the same for every session;
    each session carries its request's transaction manager in ``info``
    (pyramid_tm's explicit manager: one per request).
    """

    def __init__(self):
        super().__init__(transaction_manager=None)

    @staticmethod
    def _manager(session):
        return session.info[TRANSACTION_MANAGER]

    def after_begin(self, session, transaction, connection):
        join_transaction(session, self.initial_state, self._manager(session), self.keep_session)

    def after_attach(self, session, instance):
        join_transaction(session, self.initial_state, self._manager(session), self.keep_session)

    def after_flush(self, session, flush_context):
        mark_changed(session, self._manager(session), self.keep_session)

    def after_bulk_update(self, update_context):
        mark_changed(update_context.session, self._manager(update_context.session), self.keep_session)

    def after_bulk_delete(self, delete_context):
        mark_changed(delete_context.session, self._manager(delete_context.session), self.keep_session)

    def before_commit(self, session):
        committing = self._manager(session).get().status == ZopeStatus.COMMITTING
        assert session.in_nested_transaction() or committing, \
            "Transaction must be committed using the transaction manager"

    def do_orm_execute(self, execute_state):
        if execute_state.is_orm_statement and (execute_state.is_update or execute_state.is_insert
                                               or execute_state.is_delete):
            mark_changed(execute_state.session, self._manager(execute_state.session), self.keep_session)


def get_session_factory(engine):
    """Sessions joined to the transaction manager named in their ``info`` (get_tm_session)."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    events = _EachSessionsManager()
    for name in ("after_begin", "after_attach", "after_flush", "after_bulk_update", "after_bulk_delete",
                 "before_commit", "do_orm_execute"):
        event.listen(factory, name, getattr(events, name))
    return factory


def get_tm_session(session_factory, transaction_manager, request=None):
    return session_factory(info={"request": request, TRANSACTION_MANAGER: transaction_manager})


def includeme(config):
    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    config.include("pyramid_tm")
    config.include("pyramid_retry")
    config.include(".retry")
    engine = get_engine(settings)
    session_factory = get_session_factory(engine)
    config.registry["dbsession_factory"] = session_factory
    config.registry["db_engine"] = engine

    def dbsession(request):
        return get_tm_session(session_factory, request.tm, request=request)

    config.add_request_method(dbsession, reify=True)
