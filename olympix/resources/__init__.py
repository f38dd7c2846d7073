"""The traversal tree: Root and the containers of each area.

Importing a module registers its containers; add one line per area.
"""
from . import account, api, backoffice, catalogue, content, gate, orders, payments, people, tickets  # noqa: F401
from .root import Root, root_factory  # noqa: F401


def includeme(config):
    config.set_root_factory(root_factory)
