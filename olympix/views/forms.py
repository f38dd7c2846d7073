"""Deform forms: translated widgets, CSRF, one way to run a form, and flash.

``run_form`` renders on GET and validates on POST; a concrete view only
says which schema, which button and what to do with valid data.
"""
import colander
import deform
from pkg_resources import resource_filename
from pyramid.csrf import get_csrf_token
from pyramid.threadlocal import get_current_request

from ..i18n import _, translate


def _translator(term):
    # Deform's renderer is global; the request is the only place that knows
    # the person's language, so this is the one thread-local read we allow.
    request = get_current_request()
    return request.localizer.translate(term) if request is not None else term


def configure_deform(config):
    search_path = (resource_filename("deform", "templates"),)
    deform.Form.set_default_renderer(deform.ZPTRendererFactory(search_path, translator=_translator))


@colander.deferred
def _deferred_csrf(node, kw):
    return get_csrf_token(kw["request"])


class CSRFSchema(colander.Schema):
    """Base of every form schema: carries the CSRF token Pyramid checks."""

    csrf_token = colander.SchemaNode(
        colander.String(), widget=deform.widget.HiddenWidget(), default=_deferred_csrf,
        missing=colander.drop,
    )


def make_form(request, schema, button, formid="form", action="", **bind):
    schema = schema.bind(request=request, **bind)
    buttons = (deform.Button("submit", _(button), css_class="btn-primary"),)
    return deform.Form(schema, buttons=buttons, formid=formid, action=action or request.path_qs)


def run_form(request, schema, button, on_success, appstruct=None, **bind):
    """Render the form, or validate the POST and call ``on_success``.

    ``on_success(appstruct)`` returns a response, or raises
    ``FormError(field, message)`` to send the form back with that error,
    or returns None to render the template with ``form`` left empty.
    Returns the template values (``{"form": html}``) or the response.
    """
    form = make_form(request, schema, button, **bind)
    if request.method == "POST":
        try:
            data = form.validate(request.POST.items())
        except deform.ValidationFailure as failure:
            return {"form": failure.render()}
        try:
            return on_success(data)
        except FormError as error:
            exc = colander.Invalid(form.schema, error.message if error.field is None else None)
            if error.field is not None:
                exc[error.field] = error.message
            form.widget.handle_error(form, exc)
            return {"form": form.render(_strip_secrets(data))}
    return {"form": form.render(appstruct or {})}


def flash(request, message, queue="success", **mapping):
    """Show ``message`` on the next page, translated; ``mapping`` fills its
    ``${name}`` or ``%(name)s`` placeholders (the localizer fills both)."""
    request.session.flash(translate(request, message, **mapping), queue)


def _strip_secrets(data):
    return {k: v for k, v in data.items() if "password" not in k and k != "csrf_token"}


class FormError(Exception):
    """A business rule refused valid-looking input: show it on the form."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field
