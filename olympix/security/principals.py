"""Roles and the principals each one carries.

A person has one role; a role carries the principals of the roles below it
on its branch (DESIGN.md): user < editor < manager < admin, and agent on a
separate branch under user. The administrator carries every principal.
"""
from enum import StrEnum


class Role(StrEnum):
    USER = "user"
    EDITOR = "editor"
    AGENT = "agent"
    MANAGER = "manager"
    ADMIN = "admin"


def role_principal(role):
    return f"role:{role}"


USER = role_principal(Role.USER)
EDITOR = role_principal(Role.EDITOR)
AGENT = role_principal(Role.AGENT)
MANAGER = role_principal(Role.MANAGER)
ADMIN = role_principal(Role.ADMIN)

ROLE_PRINCIPALS = {
    Role.USER: (USER,),
    Role.EDITOR: (USER, EDITOR),
    Role.AGENT: (USER, AGENT),
    Role.MANAGER: (USER, EDITOR, MANAGER),
    Role.ADMIN: (USER, EDITOR, AGENT, MANAGER, ADMIN),
}


def principals_for(role):
    return ROLE_PRINCIPALS.get(role, ())
