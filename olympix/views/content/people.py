"""``/backoffice/people``: find people, change their role (audited).

Managers move people between user and editor; administrators set any
role. Which change is allowed is decided in services/content.py from the
ACL (ROLE_GRANT_EDITOR / ROLE_GRANT_ANY).
"""
import colander
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ...i18n import _, translate
from ...resources.content import PeopleFolder, Person
from ...schemas.content import RoleSchema
from ...security.permissions import Permission
from ...services import content as service
from ..forms import flash

T = "olympix:templates/content/{}.jinja2"


@view_config(context=PeopleFolder, renderer=T.format("people"), permission=Permission.ROLE_GRANT_EDITOR)
def people(context, request):
    query = request.params.get("q", "")[:100]
    found = service.find_people(request, query)
    return {"q": query, "people": [(user, service.roles_offered(request, Person(user, context), user))
                                   for user in found],
            "searched": bool(query.strip()),
            "csrf_token": RoleSchema().bind(request=request)["csrf_token"].default}


@view_config(context=Person, name="role", request_method="POST", permission=Permission.ROLE_GRANT_EDITOR)
def change_role(context, request):
    back = request.resource_url(context.__parent__, query={"q": request.POST.get("q", "")[:100]})
    try:
        data = RoleSchema().bind(request=request).deserialize({"role": request.POST.get("role", "")})
        changed = service.change_role(request, context, data["role"])
    except colander.Invalid:
        flash(request, _("Choose a role."), "error")
        return HTTPSeeOther(back)
    except service.RoleChangeError as error:
        flash(request, error.args[0], "error")
        return HTTPSeeOther(back)
    if changed:
        flash(request, _("%(name)s is now: %(role)s."), name=context.user.full_name,
              role=translate(request, service.ROLE_NAMES[context.user.role]))
    return HTTPSeeOther(back)
