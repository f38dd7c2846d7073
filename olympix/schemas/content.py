"""Content forms: pages, FAQ entries, news, event texts (FR and EN), the
reviewer's note, the contact form, a role change."""
import re

import colander
import deform

from ..i18n import _
from ..views.forms import CSRFSchema
from .account import email_node, strip

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_BODY_BYTES = 60000  # a MariaDB TEXT holds 65,535 bytes


def slug_validator(node, value):
    if not SLUG.fullmatch(value) or len(value) > 120:
        raise colander.Invalid(node, _("Use lower-case letters, digits and hyphens, e.g. opening-hours."))


def body_validator(node, value):
    if len(value.encode("utf-8")) > MAX_BODY_BYTES:
        raise colander.Invalid(node, _("This text is too long."))


def title_node(title):
    return colander.SchemaNode(colander.String(), title=title, preparer=strip,
                               validator=colander.Length(min=1, max=200,
                                                         max_err=_("At most 200 characters.")))


def body_node(title, description=None, rows=12):
    return colander.SchemaNode(colander.String(), title=title, description=description,
                               validator=colander.All(colander.Length(min=1), body_validator),
                               widget=deform.widget.TextAreaWidget(rows=rows))


HTML_HELP = _("HTML paragraphs, headings (h2, h3), lists, links and tables; anything else is removed.")


@colander.deferred
def _faq_groups_widget(node, kw):
    from ..services.content import FAQ_GROUPS

    return deform.widget.SelectWidget(values=FAQ_GROUPS)


@colander.deferred
def _faq_groups_validator(node, kw):
    from ..services.content import FAQ_GROUPS

    return colander.OneOf([slug for slug, _t in FAQ_GROUPS])


class TextsSchema(CSRFSchema):
    title_fr = title_node(_("Title (French)"))
    body_fr = body_node(_("Text (French)"), HTML_HELP)
    title_en = title_node(_("Title (English)"))
    body_en = body_node(_("Text (English)"), HTML_HELP)


class PageSchema(TextsSchema):
    slug = colander.SchemaNode(colander.String(), title=_("Address (after /pages/)"), preparer=strip,
                               validator=slug_validator, insert_before="title_fr")


class NewsSchema(PageSchema):
    pass


class FaqSchema(CSRFSchema):
    slug = colander.SchemaNode(colander.String(), title=_("Short name"), preparer=strip,
                               validator=slug_validator)
    faq_group = colander.SchemaNode(colander.String(), title=_("Group"),
                                    widget=_faq_groups_widget, validator=_faq_groups_validator)
    position = colander.SchemaNode(colander.Integer(), title=_("Position in the group"), missing=0,
                                   validator=colander.Range(0, 999))
    title_fr = title_node(_("Question (French)"))
    body_fr = body_node(_("Answer (French)"), HTML_HELP, rows=6)
    title_en = title_node(_("Question (English)"))
    body_en = body_node(_("Answer (English)"), HTML_HELP, rows=6)


class EventTextsSchema(CSRFSchema):
    title_fr = title_node(_("Title (French)"))
    body_fr = body_node(_("Description (French)"), rows=6)
    title_en = title_node(_("Title (English)"))
    body_en = body_node(_("Description (English)"), rows=6)


class RejectSchema(CSRFSchema):
    note = colander.SchemaNode(
        colander.String(), title=_("Note for the editor"), preparer=strip,
        validator=colander.Length(min=1, max=2000, min_err=_("Say what to change."),
                                  max_err=_("At most 2000 characters.")),
        widget=deform.widget.TextAreaWidget(rows=3))


@colander.deferred
def _subjects_widget(node, kw):
    from ..services.content import CONTACT_SUBJECTS

    return deform.widget.SelectWidget(values=(("", _("Choose a subject")),) + CONTACT_SUBJECTS)


@colander.deferred
def _subjects_validator(node, kw):
    from ..services.content import CONTACT_SUBJECTS

    return colander.Function(lambda value: value in dict(CONTACT_SUBJECTS), _("Choose a subject."))


@colander.deferred
def _form_stamp(node, kw):
    from ..services.content import form_stamp

    return form_stamp(kw["request"])


class ContactSchema(CSRFSchema):
    subject = colander.SchemaNode(colander.String(), title=_("Subject"), widget=_subjects_widget,
                                  validator=_subjects_validator, missing_msg=_("Choose a subject."))
    message = colander.SchemaNode(
        colander.String(), title=_("Your message"), preparer=strip,
        validator=colander.Length(min=10, max=5000, min_err=_("Write at least 10 characters."),
                                  max_err=_("At most 5000 characters.")),
        widget=deform.widget.TextAreaWidget(rows=8, attributes={"maxlength": "5000"}))
    email = email_node(_("Your e-mail address (for our answer)"))
    # Honeypot: hidden from people (and screen readers), filled by bots.
    website = colander.SchemaNode(
        colander.String(), title=_("Leave this field empty"), missing="",
        validator=colander.Length(max=500),
        widget=deform.widget.TextInputWidget(item_css_class="hidden", attributes={
            "autocomplete": "off", "tabindex": "-1"}))
    started = colander.SchemaNode(colander.String(), default=_form_stamp, missing="",
                                  validator=colander.Length(max=100),
                                  widget=deform.widget.HiddenWidget())


class RoleSchema(CSRFSchema):
    role = colander.SchemaNode(colander.String(), validator=colander.Length(max=16))
