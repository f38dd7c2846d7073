"""The audit log page (administrators)."""
from pyramid.view import view_config

from ..resources.backoffice import AuditLogPage
from ..security.permissions import Permission
from ..services.audit_log import audit_page


@view_config(context=AuditLogPage, renderer="olympix:templates/backoffice/audit.jinja2",
             permission=Permission.ADMIN)
def audit_log(context, request):
    verified = request.params.get("verify") == "1"
    found = audit_page(request, action=request.params.get("action", "")[:64],
                       page=request.params.get("page", "1"), verify=verified)

    def page_url(number):
        query = {"page": number}
        if found.action:
            query["action"] = found.action
        return request.resource_url(context, query=query)

    return {"log": found, "page_url": page_url, "verified": verified}
