"""``/api``: JSON endpoints (payment notifications, gate scanning devices)."""
from .folders import Folder
from .root import root_child


@root_child("api")
class ApiFolder(Folder):
    """Areas add ``@ApiFolder.child("gate")``, ``@ApiFolder.child("payments")``."""
