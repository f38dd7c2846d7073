"""``/backoffice``: staff pages; what each role sees follows the ACLs.

The folder's own pages (issue 6): the home (default view), ``figures``
(managers: sales, attendance, connections, anomalies) and ``audit``
(administrators: the audit log). Their permissions come from the root ACL:
managers hold ``backoffice:stats:view``, administrators everything.
"""
from .base import Container
from .root import root_child


@root_child("backoffice")
class BackofficeFolder(Container):
    """Areas add ``@BackofficeFolder.child("content")``, ``("orders")``, ``("gates")``…"""


class _Page:
    def __init__(self, request):
        self.request = request


@BackofficeFolder.child("figures")
class FiguresPage(_Page):
    """``/backoffice/figures``: the managers' figures for a period (``?from=&to=``)."""


@BackofficeFolder.child("audit")
class AuditLogPage(_Page):
    """``/backoffice/audit``: the hash-chained audit log, paginated (administrators)."""


@BackofficeFolder.child("queues")
class QueuesPage(_Page):
    """``/backoffice/queues``: the waiting rooms of the coming sales (managers)."""
