"""Permissions, named ``scope:resource:action``.

Views, ACLs and templates import these names instead of typing strings.
"""
from enum import StrEnum


class Permission(StrEnum):
    SITE_VIEW = "site:page:view"
    ACCOUNT_MANAGE = "account:self:manage"
    TICKET_BUY = "ticket:order:buy"
    ORDER_VIEW = "order:order:view"
    ORDER_REFUND = "order:order:refund"
    TICKET_VIEW = "ticket:ticket:view"
    CONTENT_VIEW = "content:item:view"
    CONTENT_EDIT = "content:item:edit"
    CONTENT_PUBLISH = "content:item:publish"
    CONTACT_READ = "contact:message:read"
    GATE_SCAN = "gate:ticket:scan"
    TICKET_DEACTIVATE = "ticket:ticket:deactivate"
    STATS_VIEW = "backoffice:stats:view"
    ROLE_GRANT_EDITOR = "account:role:grant-editor"
    ROLE_GRANT_ANY = "account:role:grant-any"
    BACKOFFICE_VIEW = "backoffice:home:view"
    ADMIN = "admin:site:manage"
