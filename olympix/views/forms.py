"""Deform forms: translated widgets, one way to run a form, and flash.

``FormView`` (Kotti's add/edit form views are the model) renders on GET and
validates on POST; a concrete form only says which schema, which button and
what to do with valid data::

    @view_config(context=AccountFolder, name="signup", renderer=..., permission=...)
    class SignupForm(FormView):
        schema_class = schemas.SignupSchema
        button = _("Create my account")

        def success(self, data):
            accounts.sign_up(self.request, data)
            return HTTPSeeOther(...)

Schemas derive ``schemas.base.CSRFSchema``.
"""
import colander
import deform
from pkg_resources import resource_filename
from pyramid.settings import asbool
from pyramid.threadlocal import get_current_request

from ..i18n import _, translate


def _translator(term):
    # Deform's renderer is global; the request is the only place that knows
    # the person's language, so this is the one thread-local read we allow.
    request = get_current_request()
    return request.localizer.translate(term) if request is not None else term


def configure_deform(config):
    # olympix's few corrected Deform templates (templates/deform/) come first.
    search_path = (resource_filename("olympix", "templates/deform"), resource_filename("deform", "templates"))
    # Deform re-reads a template whose file changed only where Pyramid's own
    # templates do (development): elsewhere it would stat a file per render.
    reload = asbool(config.registry.settings.get("pyramid.reload_templates", False))
    deform.Form.set_default_renderer(
        deform.ZPTRendererFactory(search_path, translator=_translator, auto_reload=reload))


def make_form(request, schema, button, formid="form", action="", **bind):
    """A deform Form of ``schema`` bound to the request, with one submit button."""
    schema = schema.bind(request=request, **bind)
    buttons = (deform.Button("submit", _(button), css_class="btn-primary"),)
    return deform.Form(schema, buttons=buttons, formid=formid, action=action or request.path_qs)


class FormView:
    """A form page: shown on GET, validated on POST, then ``success(data)``.

    Say ``schema_class`` (or override ``schema()``), ``button`` and
    ``success``; override ``appstruct()`` for the values shown first,
    ``bind()`` for what the schema's deferred nodes need, ``values()`` for
    what else the template shows (on GET and when the form comes back with
    errors), ``action()`` to post elsewhere than the page itself.

    ``success`` returns a response (a redirect), or a dict of template
    values (a page that replaces the form, e.g. a token shown once), or
    raises ``FormError`` to send the form back with the message on a field
    or on the whole form.
    """

    schema_class = None
    button = _("Save")
    formid = "form"

    def __init__(self, context, request):
        self.context = context
        self.request = request

    def schema(self):
        return self.schema_class()

    def bind(self):
        return {}

    def appstruct(self):
        return {}

    def values(self):
        return {}

    def action(self):
        return ""

    def success(self, data):  # pragma: no cover - every concrete form says
        raise NotImplementedError

    def form(self):
        return make_form(self.request, self.schema(), self.button, formid=self.formid,
                         action=self.action(), **self.bind())

    def __call__(self):
        result = self.process()
        if isinstance(result, dict):
            result = {**self.values(), **result}
        return result

    def process(self):
        """``{"form": html}`` to show, or what ``success`` returned."""
        form = self.form()
        if self.request.method != "POST":
            return {"form": form.render(self.appstruct())}
        try:
            data = form.validate(self.request.POST.items())
        except deform.ValidationFailure as failure:
            return {"form": failure.render()}
        try:
            return self.success(data)
        except FormError as error:
            exc = colander.Invalid(form.schema, error.message if error.field is None else None)
            if error.field is not None:
                exc[error.field] = error.message
            form.widget.handle_error(form, exc)
            return {"form": form.render(_strip_secrets(data))}


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
