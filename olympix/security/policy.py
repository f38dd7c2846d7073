"""One security policy for people (session cookie) and gate devices.

Identity is the active User behind the session; principals come from the
person's role (principals.py); ACLs on resources decide (ACLHelper).
"""
from pyramid.authentication import SessionAuthenticationHelper
from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.security import forget, remember

from ..models import User
from .principals import principals_for


class OlympixSecurityPolicy:
    def __init__(self):
        self.session_helper = SessionAuthenticationHelper()
        self.acl = ACLHelper()

    def identity(self, request):
        user_id = self.session_helper.authenticated_userid(request)
        if user_id is None:
            return None
        user = request.dbsession.get(User, user_id)
        if user is None or not user.is_active:
            return None
        # A password change ends every other session: the session carries
        # the password hash's tail and must still match.
        if request.session.get("auth.stamp") != session_stamp(user):
            return None
        return user

    def authenticated_userid(self, request):
        user = request.identity
        return None if user is None else user.id

    def effective_principals(self, request):
        principals = [Everyone]
        user = request.identity
        if user is not None:
            principals += [Authenticated, f"user:{user.id}", *principals_for(user.role)]
        return principals

    def permits(self, request, context, permission):
        return self.acl.permits(context, self.effective_principals(request), permission)

    def remember(self, request, userid, **kw):
        return self.session_helper.remember(request, userid, **kw)

    def forget(self, request, **kw):
        return self.session_helper.forget(request, **kw)


def session_stamp(user):
    return user.password_hash[-16:]


def sign_in(request, user):
    """Start a fresh session for ``user`` (rotated: no fixation)."""
    request.session.invalidate()
    request.session["auth.stamp"] = session_stamp(user)
    headers = remember(request, user.id)
    # The request's identity was computed anonymously; drop the cached
    # value so that the rest of this request sees the person signed in.
    request.__dict__.pop("identity", None)
    request.__dict__.pop("authenticated_userid", None)
    return headers


def sign_out(request):
    headers = forget(request)
    request.session.invalidate()
    return headers
