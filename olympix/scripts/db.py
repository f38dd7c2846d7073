"""``olympix db upgrade|current INI``: migrations with alembic."""
import os

from alembic import command
from alembic.config import Config

from .common import app_settings

ALEMBIC_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "alembic")


def alembic_config(url, data_keys=None):
    """Alembic's configuration for ``url``; ``data_keys`` (a Keyring) for the revisions that seal rows."""
    config = Config()
    config.set_main_option("script_location", ALEMBIC_DIR)
    config.attributes["url"] = url
    config.attributes["data_keys"] = data_keys
    return config


def upgrade(url, revision="head", data_keys=None):
    if url.startswith("sqlite:///"):
        folder = os.path.dirname(url[len("sqlite:///"):])
        if folder:
            os.makedirs(folder, exist_ok=True)
    command.upgrade(alembic_config(url, data_keys), revision)


def run_upgrade(args):
    settings = app_settings(args.ini)
    upgrade(settings["sqlalchemy.url"], args.revision, data_keys=settings["olympix.data_keys.parsed"])
    print("database is at", args.revision)


def run_current(args):
    command.current(alembic_config(app_settings(args.ini)["sqlalchemy.url"]), verbose=True)


def add_commands(sub):
    db = sub.add_parser("db", help="database migrations")
    actions = db.add_subparsers(dest="action", required=True)
    up = actions.add_parser("upgrade", help="migrate the database to the latest schema")
    up.add_argument("ini")
    up.add_argument("--revision", default="head")
    up.set_defaults(run=run_upgrade)
    cur = actions.add_parser("current", help="show the database's revision")
    cur.add_argument("ini")
    cur.set_defaults(run=run_current)
