"""The traversal tree: Root and the containers of each area."""
from . import account  # noqa: F401  (registers /account)
from .root import Root, root_factory  # noqa: F401


def includeme(config):
    config.set_root_factory(root_factory)
