"""Models, and the per-request database session.

``request.dbsession`` is joined to ``request.tm`` (pyramid_tm with an
explicit manager), so a request commits or aborts as one transaction.
Tests point the application at a database of their own (tests/conftest.py).
"""
import pymysql
import zope.sqlalchemy
import zope.sqlalchemy.datamanager
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
from .gate import DeviceToken, Gate, Scan, Verdict  # noqa: F401

configure_mappers()

# Which MariaDB errors pyramid_retry may replay a request on, and why that
# is safe: see retry.py (deadlocks and Galera certification failures, lost
# or refused connections, duplicate-key races).
zope.sqlalchemy.datamanager._retryable_errors.append(
    (pymysql.err.MySQLError, lambda exc: retry.error_code(exc) in retry.RETRYABLE_CODES)
)


def get_engine(settings, prefix="sqlalchemy."):
    if str(settings.get(prefix + "url", "")).startswith("sqlite"):
        # A fresh SQLite connection per checkout: a pooled connection could
        # carry a read snapshot from its last use into the next request
        # (stale reads, and "database is locked" when it then writes).
        engine = engine_from_config(settings, prefix, poolclass=NullPool)
    else:
        # pool_pre_ping: a pooled connection to a node that died (or that
        # HAProxy moved away from) is replaced before a request uses it.
        # pool_recycle stays under HAProxy's idle timeout (deploy/).
        engine = engine_from_config(settings, prefix, pool_pre_ping=True, pool_recycle=1800)
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


def get_session_factory(engine):
    return sessionmaker(bind=engine, expire_on_commit=False)


def get_tm_session(session_factory, transaction_manager, request=None):
    dbsession = session_factory(info={"request": request})
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    return dbsession


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
