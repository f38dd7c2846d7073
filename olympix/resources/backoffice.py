"""``/backoffice``: staff pages; what each role sees follows the ACLs."""
from .folders import Folder
from .root import root_child


@root_child("backoffice")
class BackofficeFolder(Folder):
    """Areas add ``@BackofficeFolder.child("content")``, ``("orders")``, ``("gates")``…"""
