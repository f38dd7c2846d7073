"""``/account``: sign-up, sign-in and the person's own account."""
from .root import root_child


@root_child("account")
class AccountFolder:
    """Named views hang here: /account/@@signup, /account/@@login…"""

    def __init__(self, request):
        self.request = request
