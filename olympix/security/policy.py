"""One security policy for people (session cookie) and gate devices.

Identity is the active User behind the session; principals come from the
person's role (principals.py); ACLs on resources decide (ACLHelper).

Gate devices (``/api/…`` only) send ``Authorization: Bearer <token>``
instead of a cookie: the identity is the agent the token was made for, with
the principals of the agent role only, whatever that person's own role (an
administrator's device token must not carry administrator rights). A
request that sends a bearer header is judged on it alone: a wrong or revoked
token is anonymous, never a fallback to the session.
"""
import hashlib
import hmac

from pyramid.authentication import SessionAuthenticationHelper
from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.security import forget, remember

from ..models import User
from .device_tokens import bearer_from_header, find_live
from .principals import Role, principals_for

DEVICE_ROLES = (Role.AGENT, Role.ADMIN)
_DEVICE_KEY = "olympix.device_token"


def device_token(request):
    """The live gate DeviceToken behind this request's bearer header, or None.

    Looked up once per request (cached in the environ); the view reads it
    for the token's gate and to skip CSRF (no cookie is involved).
    """
    if _DEVICE_KEY not in request.environ:
        request.environ[_DEVICE_KEY] = _device_token(request)
    found = request.environ[_DEVICE_KEY]
    return None if found is None else found[0]


def uses_bearer(request):
    # Traversal resolves "." and ".." segments: "/api/../gate/" is the
    # agents' desk, which a device token must not open.
    path = request.path
    return (path.startswith("/api/") and "Authorization" in request.headers
            and not any(segment in (".", "..") for segment in path.split("/")))


def _device_token(request):
    if not uses_bearer(request):
        return None
    token = bearer_from_header(request.headers.get("Authorization"))
    found = find_live(request.dbsession, token) if token else None
    if found is None:
        return None
    _token, agent, _gate = found
    if not agent.is_active or agent.role not in DEVICE_ROLES:
        return None
    return found


class OlympixSecurityPolicy:
    def __init__(self):
        self.session_helper = SessionAuthenticationHelper()
        self.acl = ACLHelper()

    def identity(self, request):
        if uses_bearer(request):
            device_token(request)
            found = request.environ[_DEVICE_KEY]
            return None if found is None else found[1]
        user_id = self.session_helper.authenticated_userid(request)
        if user_id is None:
            return None
        user = request.dbsession.get(User, user_id)
        if user is None or not user.is_active:
            return None
        # A password change ends every other session: the session carries
        # the password hash's tail and must still match.
        if request.session.get("auth.stamp") != session_stamp(request, user):
            return None
        # The session's identity map holds rows weakly: without a reference
        # the user is gone by the next permission check, and each check
        # (every menu entry, every ACL) SELECTed the row again (issue 11.4).
        request.dbsession.info["olympix.identity"] = user
        return user

    def authenticated_userid(self, request):
        user = request.identity
        return None if user is None else user.id

    def effective_principals(self, request):
        principals = [Everyone]
        user = request.identity
        if user is not None:
            role = Role.AGENT if device_token(request) is not None else user.role
            principals += [Authenticated, f"user:{user.id}", *principals_for(role)]
        return principals

    def permits(self, request, context, permission):
        return self.acl.permits(context, self.effective_principals(request), permission)

    def remember(self, request, userid, **kw):
        return self.session_helper.remember(request, userid, **kw)

    def forget(self, request, **kw):
        return self.session_helper.forget(request, **kw)


def session_stamp(request, user):
    """Changes when the password changes, without revealing anything of it.

    The session cookie is signed, not encrypted: it carries an HMAC of the
    password hash under the session secret, never a piece of the hash.
    """
    secret = request.registry.settings["olympix.session_secret"].encode()
    return hmac.new(secret, user.password_hash.encode(), hashlib.sha256).hexdigest()[:32]


def sign_in(request, user):
    """Start a fresh session for ``user`` (rotated: no fixation)."""
    request.session.invalidate()
    request.session["auth.stamp"] = session_stamp(request, user)
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
