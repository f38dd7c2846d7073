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
import secrets
from datetime import timedelta

from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.request import RequestLocalCache
from sqlalchemy import delete, select, update

from ..interfaces import IClock, shared_service
from ..models import AuthSession, User
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


@RequestLocalCache()
def _session_identity(request):
    """The User behind the session cookie, read once per request.

    Pyramid asks for the identity at every permission check (every menu
    entry, every ACL): it was 3 SELECTs for a hold (issue 11.4). The cache is
    the request object's, so a request replayed by pyramid_retry (a new
    request on the same environ) reads it again in its own transaction.
    """
    found = live_session(request)
    return None if found is None else found[1]


class OlympixSecurityPolicy:
    def __init__(self):
        self.acl = ACLHelper()

    def identity(self, request):
        if uses_bearer(request):
            device_token(request)
            found = request.environ[_DEVICE_KEY]
            return None if found is None else found[1]
        return _session_identity(request)

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

    def remember(self, request, userid, **kw):  # pragma: no cover - sign_in() is the way
        raise NotImplementedError("use olympix.security.policy.sign_in(request, user)")

    def forget(self, request, **kw):
        return sign_out(request)


# --- server-side sessions ------------------------------------------------------
# The signed cookie carries a random token under SESSION_KEY, never the
# user id; the auth_sessions row (keyed by the token's SHA-256) says whose
# session it is, until when, and whether it was revoked. Reading it is one
# primary-key SELECT joined to the user's row, once per request.

SESSION_KEY = "auth.sid"
_TOKEN_MAX = 64


def _now(request):
    return shared_service(request, IClock).now()


def _token_hash(token):
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def live_session(request):
    """(AuthSession, User) behind the session cookie when both are live, else None."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str) or not token or len(token) > _TOKEN_MAX:
        return None
    row = request.dbsession.execute(
        select(AuthSession, User).join(User, User.id == AuthSession.user_id)
        .where(AuthSession.id == _token_hash(token))
    ).first()
    if row is None:
        return None
    auth, user = row
    if not auth.is_live(_now(request)) or not user.is_active:
        return None
    return auth, user


def session_stamp(request, user):
    """Changes when the password changes, without revealing anything of it.

    Kept in the session of a pending sign-up: only the browser that set the
    pending password may activate it (views/account.py).
    """
    secret = request.registry.settings["olympix.session_secret"].encode()
    return hmac.new(secret, user.password_hash.encode(), hashlib.sha256).hexdigest()[:32]


def _revoke_current(request):
    token = request.session.get(SESSION_KEY)
    if isinstance(token, str) and token and len(token) <= _TOKEN_MAX:
        request.dbsession.execute(
            update(AuthSession).where(AuthSession.id == _token_hash(token), AuthSession.revoked_at.is_(None))
            .values(revoked_at=_now(request)))


def revoke_sessions(request, user):
    """End every session of ``user`` (password change or reset, deactivation, "everywhere")."""
    request.dbsession.execute(
        update(AuthSession).where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=_now(request)))
    _forget_identity(request)


def _forget_identity(request):
    # The request's identity may be cached; drop it so that the rest of the
    # request sees the change.
    _session_identity.cache.clear(request)
    request.__dict__.pop("identity", None)
    request.__dict__.pop("authenticated_userid", None)


def sign_in(request, user):
    """Start a fresh session for ``user`` (rotated: no fixation); returns headers (none)."""
    _revoke_current(request)
    request.session.invalidate()
    token = secrets.token_urlsafe(32)
    current = _now(request)
    # The person's ended sessions go now: the table holds live ones and
    # those revoked lately, not every sign-in ever made.
    request.dbsession.execute(
        delete(AuthSession).where(AuthSession.user_id == user.id, AuthSession.expires_at < current))
    lifetime = request.registry.settings["olympix.session.lifetime"]
    request.dbsession.add(AuthSession(id=_token_hash(token), user_id=user.id, created_at=current,
                                      expires_at=current + timedelta(hours=lifetime)))
    request.session[SESSION_KEY] = token
    _forget_identity(request)
    return []


def sign_out(request):
    """End this session, here and server-side; returns headers (none)."""
    _revoke_current(request)
    request.session.invalidate()
    _forget_identity(request)
    return []
