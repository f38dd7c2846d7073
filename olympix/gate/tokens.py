"""Device tokens: issued to one agent at one gate, shown once, revoked.

A token is random (``security/device_tokens.py`` says why a SHA-256 is the
right storage, and finds the live one behind a request); issuing and
revoking go to the audit log in the same transaction as the change.
"""
import secrets

from sqlalchemy import select

from ..models import User
from ..models.gate import DeviceToken
from ..security.device_tokens import PREFIX, bearer_from_header, find_live, forget_all, token_hash
from ..services import audit
from ..services.clock import now


def new_token():
    return PREFIX + secrets.token_urlsafe(32)


def issue_token(request, gate, agent, label="", actor=None):
    """Make a device token for ``agent`` at ``gate``; returns (row, token shown once)."""
    token = new_token()
    row = DeviceToken(token_sha256=token_hash(token), label=label[:100], gate_id=gate.id,
                      agent_id=agent.id, created_by_id=actor.id if actor else None,
                      created_at=now(request))
    request.dbsession.add(row)
    request.dbsession.flush()
    audit.record(request, "gate.token.create", "gate_device_token", row.id, actor=actor,
                 gate=gate.code, agent=agent.email, label=row.label)
    return row, token


def get_token(request, token_id):
    """The DeviceToken with ``token_id`` (revoked or not), or None."""
    return request.dbsession.get(DeviceToken, token_id) if isinstance(token_id, int) else None


def revoke_token(request, row, actor=None):
    """Revoke ``row``; False when it already was (nothing changes, nothing is audited)."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = now(request)
    actor = actor or request.identity
    row.revoked_by_id = actor.id if actor else None
    forget_all()  # this process stops honouring it now; the others within CACHE_SECONDS
    audit.record(request, "gate.token.revoke", "gate_device_token", row.id, actor=actor,
                 gate=row.gate.code)
    return True


def tokens_by_gate(request):
    """{gate_id: [(DeviceToken, agent)…]} for the admin page, newest first."""
    grouped = {}
    for row, agent in request.dbsession.execute(
            select(DeviceToken, User).join(User, User.id == DeviceToken.agent_id)
            .order_by(DeviceToken.created_at.desc())):
        grouped.setdefault(row.gate_id, []).append((row, agent))
    return grouped


def all_tokens(request):
    """[(DeviceToken, agent's e-mail)…] in id order, for ``olympix gate-tokens``."""
    return request.dbsession.execute(
        select(DeviceToken, User.email).join(User, User.id == DeviceToken.agent_id)
        .order_by(DeviceToken.id)).all()


def live_token(request, token):
    """(DeviceToken, agent, Gate) for a live ``token`` as typed, or None."""
    token = bearer_from_header("Bearer " + (token or ""))
    return find_live(request.dbsession, token) if token else None
