"""People forms: a role change (posted from the list), an account's deactivation."""
import colander

from .base import CSRFSchema


class RoleSchema(CSRFSchema):
    """The role asked for; whether it may be given is the Person's ACL's to say."""

    role = colander.SchemaNode(colander.String(), validator=colander.Length(max=16))


class DeactivateSchema(CSRFSchema):
    """Only the CSRF token: the page says what will happen; the button confirms."""
