"""``/backoffice/people``: find people, change their role, deactivate an account.

Who may give which role is the Person's ACL's to say (resources/people.py);
these views only show what ``services.people`` offers and turn its answers
into pages. Every change is audited by the service.
"""
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.view import view_config

from ..i18n import _
from ..resources.people import PeopleFolder, Person
from ..schemas.people import DeactivateSchema, RoleSchema
from ..security.permissions import Permission
from ..services import people
from .forms import FormError, FormView, flash
from .inline_forms import InlineFormView

T = "olympix:templates/people/{}.jinja2"


def _search_url(request, folder, text):
    return request.resource_url(folder, query={"q": text[:100]})


@view_config(context=PeopleFolder, renderer=T.format("people"), permission=Permission.ROLE_GRANT_EDITOR)
def people_list(context, request):
    query = request.params.get("q", "")[:100]
    fmt = request.fmt
    rows = []
    for user in people.find_people(request, query):
        person = context.person(user)
        me = request.identity is not None and user.id == request.identity.id
        offered = [] if me else people.roles_offered(request, person)
        rows.append({
            "person": person, "user": user, "role_name": fmt.role(user.role),
            "offered": [(role, fmt.role(role)) for role in offered],
            "can_deactivate": not me and not people.is_deactivated(user)
            and bool(request.has_permission(Permission.ADMIN, person)),
        })
    return {"q": query, "people": rows, "searched": bool(query.strip()),
            "deactivation": bool(request.has_permission(Permission.ADMIN, context))}


@view_config(context=Person, name="role", request_method="POST", permission=Permission.ROLE_GRANT_EDITOR)
class RoleForm(InlineFormView):
    """A role chosen beside a person in the list; back to the same search."""

    schema_class = RoleSchema
    invalid = _("Choose a role.")

    def back(self):
        return _search_url(self.request, self.context.__parent__, self.request.POST.get("q", ""))

    def success(self, data):
        request = self.request
        try:
            changed = people.change_role(request, self.context, data["role"])
        except people.PeopleError as error:
            raise FormError(error.args[0]) from error
        except people.NotPermitted as refused:
            raise HTTPForbidden() from refused
        if changed:
            flash(request, _("%(name)s is now: %(role)s."), name=self.context.user.full_name,
                  role=request.fmt.role(self.context.user.role))
        return HTTPSeeOther(self.back())


@view_config(context=Person, name="deactivate", renderer=T.format("deactivate"),
             permission=Permission.ADMIN)
class DeactivateForm(FormView):
    """Erase an account's personal data and void its unused tickets (administrators)."""

    schema_class = DeactivateSchema
    button = _("Deactivate this account")

    def people_url(self):
        return _search_url(self.request, self.context.__parent__, self.context.user.email)

    def values(self):
        user = self.context.user
        return {"person": user, "role_name": self.request.fmt.role(user.role),
                "people_url": self.people_url(), "gone": False}

    def __call__(self):
        request, user = self.request, self.context.user
        if people.is_deactivated(user):
            return {**self.values(), "form": None, "gone": True}
        try:
            people.check_deactivation(request, user)
        except people.PeopleError as error:
            flash(request, error.args[0], "error")
            return HTTPSeeOther(self.people_url())
        return super().__call__()

    def success(self, data):
        people.deactivate(self.request, self.context.user)
        flash(self.request, _("The account is deactivated: its personal data are "
                              "erased and its unused tickets deactivated."))
        return HTTPSeeOther(self.request.resource_url(self.context.__parent__))
