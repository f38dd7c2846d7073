"""Content forms: pages, FAQ entries, news, event texts (FR and EN), a new
event, the reviewer's note, the contact form. (A role change and an
account's deactivation are in ``schemas/people.py``.)"""
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

import colander
import deform

from ..i18n import PARIS, _
from ..services import contact, event_drafts
from ..services.content import FAQ_GROUPS
from ..services.html import sanitize
from .account import email_node
from .base import CSRFSchema, Euros, slug_validator, strip

MAX_BODY_BYTES = 60000  # a MariaDB TEXT holds 65,535 bytes


def body_validator(node, value):
    if len(value.encode("utf-8")) > MAX_BODY_BYTES:
        raise colander.Invalid(node, _("This text is too long."))


def html_body_validator(node, value):
    """The size of what is stored: the sanitiser escapes (``&`` → ``&amp;``), so a body grows."""
    body_validator(node, value)
    body_validator(node, sanitize(value))


def title_node(title):
    return colander.SchemaNode(colander.String(), title=title, preparer=strip,
                               validator=colander.Length(min=1, max=200,
                                                         max_err=_("At most 200 characters.")))


def body_node(title, description=None, rows=12):
    # HTML bodies (HTML_HELP) are sanitised before they are stored; event descriptions are stored as typed.
    size = html_body_validator if description == HTML_HELP else body_validator
    return colander.SchemaNode(colander.String(), title=title, description=description,
                               validator=colander.All(colander.Length(min=1), size),
                               widget=deform.widget.TextAreaWidget(rows=rows))


HTML_HELP = _("HTML paragraphs, headings (h2, h3), lists, links and tables; anything else is removed.")


@colander.deferred
def _faq_groups_widget(node, kw):
    return deform.widget.SelectWidget(values=FAQ_GROUPS)


@colander.deferred
def _faq_groups_validator(node, kw):
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


# Issue #12.2: how the holders get in. One definition for the new event's
# form and a published event's (services/event_settings.py): the same
# bounds and messages wherever the settings are typed.
def phone_only_node():
    return colander.SchemaNode(
        colander.Boolean(), title=_("Phone ticket only"), missing=False, widget=deform.widget.CheckboxWidget(),
        description=_("No PDF: the gate admits only the phone ticket's code, which changes every 30 seconds."))


WHOLE = re.compile(r"-?[0-9]+")


class Hours(colander.Integer):
    """A whole number of hours as typed ("6", " 48 ", "-1" for the Range to refuse)."""

    def deserialize(self, node, cstruct):
        text = cstruct.strip() if isinstance(cstruct, str) else cstruct
        if text in (colander.null, None, ""):
            return colander.null
        if not isinstance(text, str) or not WHOLE.fullmatch(text):
            raise colander.Invalid(node, _("A whole number of hours, e.g. 6."))
        # A longer run of digits is past every bound; int() would refuse
        # one of over 4,300 digits: keep a big number for the Range to refuse.
        return int(text) if len(text) <= 12 else 10 ** 12


def tickets_visible_before_node():
    return colander.SchemaNode(
        Hours(), title=_("Tickets visible (hours before the start)"), missing=None,
        description=_("Empty: the site's usual delay."),
        validator=colander.Range(0, 24 * 60, min_err=_("At least 0 hours."), max_err=_("At most 60 days.")))


class EventTextsSchema(CSRFSchema):
    """A published event's texts and gate settings: a working copy a manager approves."""

    title_fr = title_node(_("Title (French)"))
    body_fr = body_node(_("Description (French)"), rows=6)
    title_en = title_node(_("Title (English)"))
    body_en = body_node(_("Description (English)"), rows=6)
    phone_only = phone_only_node()
    tickets_visible_before = tickets_visible_before_node()


# --- a new event (created in the back office, published on approval) ------

MAX_CAPACITY = 100000
MAX_PRICE_EUROS = Decimal(10000)
LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")


class ParisDateTime(colander.SchemaType):
    """A date and time as typed in Paris ("2026-08-12T14:30"), an aware UTC datetime in Python."""

    def serialize(self, node, appstruct):
        if appstruct in (colander.null, None):
            return colander.null
        return appstruct.astimezone(PARIS).strftime(LOCAL_FORMATS[0])

    def deserialize(self, node, cstruct):
        if cstruct in (colander.null, ""):
            return colander.null
        text = cstruct.strip() if isinstance(cstruct, str) else ""
        for fmt in LOCAL_FORMATS:
            try:
                local = datetime.strptime(text[:19], fmt) if len(text) <= 19 else None
            except ValueError:
                continue
            if local is not None and 2000 <= local.year <= 2100:
                return local.replace(tzinfo=PARIS).astimezone(UTC)
        raise colander.Invalid(node, _("Give a date and time, e.g. 2026-08-12 14:30 (Paris time)."))


def price_validator(node, value):
    try:
        ok = value.is_finite() and Decimal("0.01") <= value <= MAX_PRICE_EUROS
    except (AttributeError, InvalidOperation):
        ok = False
    if not ok:
        raise colander.Invalid(node, _("A price between 0.01 and 10,000 euros."))


def price_node(title):
    return colander.SchemaNode(
        Euros(), title=title, missing=None, validator=price_validator,
        description=_("In euros; leave empty when this offer is not sold."))


@colander.deferred
def _sports_widget(node, kw):
    return deform.widget.SelectWidget(values=[("", _("Choose a sport"))] + [
        (str(i), name) for i, name in event_drafts.sport_choices(kw["request"])])


@colander.deferred
def _sports_validator(node, kw):
    ids = {i for i, _n in event_drafts.sport_choices(kw["request"])}
    return colander.Function(lambda value: value in ids, _("Choose a sport from the list."))


@colander.deferred
def _venues_widget(node, kw):
    return deform.widget.SelectWidget(values=[("", _("Choose a venue"))] + [
        (str(i), name) for i, name, _c in event_drafts.venue_choices(kw["request"])])


@colander.deferred
def _venues_validator(node, kw):
    ids = {i for i, _n, _c in event_drafts.venue_choices(kw["request"])}
    return colander.Function(lambda value: value in ids, _("Choose a venue from the list."))


@colander.deferred
def _images_widget(node, kw):
    return deform.widget.SelectWidget(values=[("", _("The sport's picture"))] +
                                      event_drafts.sport_image_choices(kw["request"]))


@colander.deferred
def _images_validator(node, kw):
    names = {""} | set(event_drafts.sport_images())
    return colander.Function(lambda value: value in names, _("Choose a picture from the list."))


def _when_node(title):
    return colander.SchemaNode(
        ParisDateTime(), title=title, description=_("Paris time."),
        widget=deform.widget.TextInputWidget(attributes={"type": "datetime-local"}))


class EventSchema(CSRFSchema):
    """A competition session: where, when, its texts, its seats and its offers' prices."""

    sport_id = colander.SchemaNode(colander.Integer(), title=_("Sport"), widget=_sports_widget,
                                   validator=_sports_validator)
    venue_id = colander.SchemaNode(colander.Integer(), title=_("Venue"), widget=_venues_widget,
                                   validator=_venues_validator)
    title_fr = title_node(_("Title (French)"))
    body_fr = body_node(_("Description (French)"), rows=6)
    title_en = title_node(_("Title (English)"))
    body_en = body_node(_("Description (English)"), rows=6)
    starts_at = _when_node(_("Start"))
    ends_at = _when_node(_("End"))
    image = colander.SchemaNode(colander.String(), title=_("Picture"), missing="",
                                widget=_images_widget, validator=_images_validator)
    capacity = colander.SchemaNode(
        colander.Integer(), title=_("Seats offered"),
        validator=colander.Range(1, MAX_CAPACITY, min_err=_("At least 1 seat."),
                                 max_err=_("At most 100,000 seats.")))
    price_solo = price_node(_("Price of the Solo offer (1 seat)"))
    price_duo = price_node(_("Price of the Duo offer (2 seats)"))
    price_family = price_node(_("Price of the Family offer (4 seats)"))
    self_cancel = colander.SchemaNode(
        colander.Boolean(), title=_("Buyers may cancel their own orders (refunded in full)"),
        description=_("Until the time before the session set for the whole site (48 hours by default)."),
        missing=False, widget=deform.widget.CheckboxWidget())
    # The waiting room (issue 11, docs/waiting-room.md): all three optional.
    onsale_at = colander.SchemaNode(
        ParisDateTime(), title=_("Sales open"), missing=None,
        description=_("Paris time. Leave empty to sell as soon as the event is published; "
                      "with a time, a queue stands in front of the opening."),
        widget=deform.widget.TextInputWidget(attributes={"type": "datetime-local"}))
    admission_rate = colander.SchemaNode(
        colander.Integer(), title=_("Admissions a minute"), missing=None,
        validator=colander.Range(1, 1_000_000, min_err=_("At least 1 a minute."),
                                 max_err=_("At most 1,000,000 a minute.")),
        description=_("How many people the queue lets in each minute; empty: the site's default."))
    sale_phase = colander.SchemaNode(
        colander.String(), title=_("Sale phase"), missing=None, preparer=strip,
        validator=colander.Regex(r"^[A-Za-z0-9_-]{1,64}$",
                                 msg=_("Letters, digits, - and _ only (at most 64).")),
        description=_("Events of one phase share one queue; empty: the event's own."))
    # Issue #12.2: how the holders get in (a published event's texts form too).
    phone_only = phone_only_node()
    tickets_visible_before = tickets_visible_before_node()

    def validator(self, node, value):
        error = colander.Invalid(node)
        if value["ends_at"] <= value["starts_at"]:
            error["ends_at"] = _("The end must come after the start.")
        if value.get("onsale_at") is not None and value["onsale_at"] >= value["starts_at"]:
            error["onsale_at"] = _("Sales must open before the event starts.")
        limit = event_drafts.venue_capacity(self.bindings["request"], value["venue_id"])
        if limit is not None and value["capacity"] > limit:
            error["capacity"] = _("At most ${count} seats: the venue's capacity.",
                                  mapping={"count": limit})
        if all(value[f"price_{kind}"] is None for kind in ("solo", "duo", "family")):
            error["price_solo"] = _("Give the price of at least one offer.")
        if error.children:
            raise error


class RejectSchema(CSRFSchema):
    note = colander.SchemaNode(
        colander.String(), title=_("Note for the editor"), preparer=strip,
        validator=colander.Length(min=1, max=2000, min_err=_("Say what to change."),
                                  max_err=_("At most 2000 characters.")),
        widget=deform.widget.TextAreaWidget(rows=3))


@colander.deferred
def _subjects_widget(node, kw):
    return deform.widget.SelectWidget(values=(("", _("Choose a subject")),) + contact.CONTACT_SUBJECTS)


@colander.deferred
def _subjects_validator(node, kw):
    return colander.Function(lambda value: value in contact.SUBJECT_NAMES, _("Choose a subject."))


@colander.deferred
def _form_stamp(node, kw):
    return contact.form_stamp(kw["request"])


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

