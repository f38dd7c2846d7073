"""The gate's places in the tree.

``/gate/`` — the agents' scanning page (and ``@@history``, ``@@ticket``);
``/api/gate/scans`` — scanning devices; ``/backoffice/gates/`` — the
administrators' gates and device tokens. Permissions come from the root
ACL (agents and administrators hold ``gate:ticket:scan`` and
``ticket:ticket:deactivate``; only administrators hold ``admin:site:manage``).
"""
from .api import ApiFolder
from .backoffice import BackofficeFolder
from .root import root_child


@root_child("gate")
class GateDesk:
    """An agent's scanning desk; named views hang here."""

    def __init__(self, request):
        self.request = request


@ApiFolder.child("gate")
class GateApi:
    """JSON endpoints for scanning devices: ``POST /api/gate/scans``."""

    def __init__(self, request):
        self.request = request


@BackofficeFolder.child("gates")
class GatesAdmin:
    """Gates by venue, their device tokens (administrators)."""

    def __init__(self, request):
        self.request = request
