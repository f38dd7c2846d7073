"""The security policy's pure parts: who is judged on a bearer token, and the principals.

The request is a stand-in with only what the policy reads; the end-to-end
behaviour (sign-in, device tokens against the API) is in tests/functional.
"""
from types import SimpleNamespace

from pyramid.authorization import Allow, Authenticated, Everyone

from olympix.security import policy
from olympix.security.principals import Role, principals_for


class FakeRequest(SimpleNamespace):
    def __init__(self, path="/", headers=None, identity=None, device=None):
        super().__init__(path=path, headers=headers or {}, identity=identity,
                         environ={policy._DEVICE_KEY: device})


def test_bearer_is_read_only_on_the_api():
    assert policy.uses_bearer(FakeRequest("/api/gate/scans", {"Authorization": "Bearer x"}))
    assert not policy.uses_bearer(FakeRequest("/api/gate/scans"))  # no header: the session
    assert not policy.uses_bearer(FakeRequest("/gate/", {"Authorization": "Bearer x"}))


def test_dot_segments_never_reach_past_the_api():
    # traversal would resolve /api/../gate/ to the agents' desk
    for path in ("/api/../gate/", "/api/./gate/scans", "/api/gate/../../backoffice/"):
        assert not policy.uses_bearer(FakeRequest(path, {"Authorization": "Bearer x"})), path


def test_anonymous_has_only_everyone():
    assert policy.OlympixSecurityPolicy().effective_principals(FakeRequest()) == [Everyone]


def test_a_person_has_the_principals_of_their_role():
    user = SimpleNamespace(id=7, role=Role.MANAGER)
    principals = policy.OlympixSecurityPolicy().effective_principals(FakeRequest(identity=user))
    assert principals == [Everyone, Authenticated, "user:7", *principals_for(Role.MANAGER)]


def test_a_device_token_carries_the_agent_role_only():
    """An administrator's device token must not carry administrator rights."""
    admin = SimpleNamespace(id=1, role=Role.ADMIN)
    device = (SimpleNamespace(id=3), admin, SimpleNamespace(id=9))
    request = FakeRequest("/api/gate/scans", {"Authorization": "Bearer x"}, identity=admin, device=device)
    principals = policy.OlympixSecurityPolicy().effective_principals(request)
    assert principals == [Everyone, Authenticated, "user:1", *principals_for(Role.AGENT)]
    admin_only = set(principals_for(Role.ADMIN)) - set(principals_for(Role.AGENT))
    assert admin_only and not admin_only & set(principals)


def test_permits_reads_the_acl_of_the_context():
    class Context:
        __acl__ = [(Allow, "user:7", "read")]

    policy_ = policy.OlympixSecurityPolicy()
    owner = FakeRequest(identity=SimpleNamespace(id=7, role=Role.USER))
    other = FakeRequest(identity=SimpleNamespace(id=8, role=Role.USER))
    assert policy_.permits(owner, Context(), "read")
    assert not policy_.permits(other, Context(), "read")
    assert not policy_.permits(FakeRequest(), Context(), "read")
