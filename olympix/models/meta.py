"""Declarative base with a constraint naming convention.

Named constraints let alembic drop and alter them the same way on MariaDB
and SQLite.
"""
from datetime import datetime, timezone

from sqlalchemy import VARBINARY, DateTime, LargeBinary, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in Python, naive UTC in the database.

    MariaDB's DATETIME has no time zone: storing UTC everywhere and
    converting at the edges keeps comparisons right on both back ends.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; olympix stores aware UTC")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def utcnow():
    return datetime.now(timezone.utc)


def sealed_key_type():
    """Column type of a sealed 32-byte key (61 bytes, see security/atrest.py).

    VARBINARY on MariaDB (an index-friendly, exact-length type), BLOB on
    SQLite, which has no VARBINARY of its own.
    """
    return LargeBinary(61).with_variant(VARBINARY(61), "mysql", "mariadb")
