"""``/contact``: the contact form, and the page that thanks the sender.

The screening (honeypot, signed time stamp, rate limit) is the service's
(``services/contact.py``); this view only turns its verdict into a page.
"""
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ...i18n import _
from ...resources.content import ContactFolder
from ...schemas.content import ContactSchema
from ...security.permissions import Permission
from ...services import contact
from ...services.contact import Received
from ..forms import FormError, FormView

T = "olympix:templates/content/{}.jinja2"
REFUSALS = {
    Received.EXPIRED: _("This form has expired. Please check your message and send it again."),
    Received.TOO_FAST: _("That was quick! Please check your message and send it again."),
    Received.TOO_MANY: _("You have already sent us several messages in the last hour. "
                         "Please wait a little before writing again."),
}


@view_config(context=ContactFolder, renderer=T.format("contact"), permission=Permission.SITE_VIEW)
class ContactForm(FormView):
    schema_class = ContactSchema
    button = _("Send")

    def success(self, data):
        verdict = contact.receive(self.request, data)
        # A bot that filled the hidden field sees success too; nothing was kept.
        if verdict in (Received.SENT, Received.SPAM):
            return HTTPSeeOther(self.request.resource_url(self.context, "@@sent"))
        if verdict == Received.EXPIRED:
            data["started"] = contact.form_stamp(self.request)  # the form shown again is fresh
        raise FormError(REFUSALS[verdict])


@view_config(context=ContactFolder, name="sent", renderer=T.format("contact_sent"),
             permission=Permission.SITE_VIEW)
def contact_sent(context, request):
    return {}
