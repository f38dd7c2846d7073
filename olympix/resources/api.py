"""``/api``: JSON endpoints (payment notifications, gate scanning devices)."""
from .base import Container
from .root import root_child


@root_child("api")
class ApiFolder(Container):
    """Areas add ``@ApiFolder.child("gate")``, ``@ApiFolder.child("payments")``."""
