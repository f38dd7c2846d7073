"""The gate's places in the tree.

``/gate/`` — the agents' scanning page (and ``@@history``, ``@@ticket``);
``/api/gate/scans`` — scanning devices; ``/backoffice/gates/`` — the
administrators' gates and device tokens. Permissions come from the root
ACL (agents and administrators hold ``gate:ticket:scan`` and
``ticket:ticket:deactivate``; only administrators hold ``admin:site:manage``).
Each is a container whose pages are named views; gates and tokens are
chosen in the forms (by id), so no item hangs under them.
"""
from .api import ApiFolder
from .backoffice import BackofficeFolder
from .base import Container
from .root import root_child


@root_child("gate")
class GateDesk(Container):
    """An agent's scanning desk; named views hang here."""


@ApiFolder.child("gate")
class GateApi(Container):
    """JSON endpoints for scanning devices: ``POST /api/gate/scans``."""


@BackofficeFolder.child("gates")
class GatesAdmin(Container):
    """Gates by venue, their device tokens (administrators)."""
