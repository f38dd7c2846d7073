"""Forms shown inside another page (one per row of a list) and posted to a view.

A role change beside each person found, the reviewer's note under each
item of the validation queue: the form lives in the list, so when the
input is refused the person goes back to that list with a message, not to
a page of its own. Register these views for POST only (nothing to show on
a GET). Otherwise they are ``FormView``s: a schema, ``success(data)``
returning a redirect or raising ``FormError``.
"""
import deform
from pyramid.httpexceptions import HTTPSeeOther

from ..i18n import _
from .forms import FormError, FormView, flash


class InlineFormView(FormView):
    """A ``FormView`` whose failures flash ``invalid`` (or the FormError) and go ``back()``."""

    invalid = _("Check what you typed and try again.")

    def back(self):  # pragma: no cover - every concrete form says
        """The address of the page the form was posted from."""
        raise NotImplementedError

    def refuse(self, message):
        flash(self.request, message, "error")
        return HTTPSeeOther(self.back())

    def process(self):
        form = self.form()
        try:
            data = form.validate(self.request.POST.items())
        except deform.ValidationFailure:
            return self.refuse(self.invalid)
        try:
            return self.success(data)
        except FormError as error:
            return self.refuse(error.message)
