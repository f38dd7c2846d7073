"""Account forms: sign-up, codes, sign-in, profile, password, e-mail, deletion."""
import re
import unicodedata

import colander
import deform

from ..i18n import _
from ..security import codes
from ..security.passwords import context_words, password_problem
from .base import CSRFSchema, strip

PASSWORD_MESSAGES = {
    "password_too_short": _("Use at least 8 characters."),
    "password_too_long": _("Use at most 128 characters."),
    "password_too_common": _("This password is too common: choose another one."),
    "password_repetitive": _("This password only repeats a few characters: choose another one."),
    "password_context": _("This password is too close to your name, your e-mail address or the site's "
                          "name: choose another one."),
}


def normalise_email(value):
    return value.strip().lower() if isinstance(value, str) else value


def normalise_phone(value):
    """Spaces, dots and dashes out; a French 0X number becomes +33X."""
    if not isinstance(value, str):
        return value
    compact = re.sub(r"[\s.\-()]", "", value)
    if re.fullmatch(r"0[1-9]\d{8}", compact):
        compact = "+33" + compact[1:]
    return compact


def name_validator(node, value):
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise colander.Invalid(node, _("Use letters, spaces, hyphens or apostrophes."))


def password_validator(node, value):
    problem = password_problem(value)
    if problem:
        raise colander.Invalid(node, PASSWORD_MESSAGES[problem])


def password_context_problem(password, email, *names):
    """The message refusing ``password`` for this person (their address and names), or None."""
    problem = password_problem(password, context_words(email, *names))
    return PASSWORD_MESSAGES[problem] if problem else None


@colander.deferred
def _own_password_validator(node, kw):
    """The new password of the signed-in person: not their address or names either."""
    user = kw["request"].identity

    def validate(node, value):
        password_validator(node, value)
        if user is not None:
            message = password_context_problem(value, user.email, user.first_name, user.last_name)
            if message:
                raise colander.Invalid(node, message)

    return validate


def phone_validator(node, value):
    if not re.fullmatch(r"\+[1-9]\d{7,14}", value):
        raise colander.Invalid(node, _("Enter a mobile number such as 06 12 34 56 78 or +33 6 12 34 56 78."))


def code_validator(node, value):
    value = codes.normalise(value)
    if len(value) != codes.LENGTH or any(ch not in codes.ALPHABET for ch in value):
        raise colander.Invalid(node, _("The code has 6 letters or digits."))


def email_node(title=_("E-mail address"), name="email"):
    return colander.SchemaNode(
        colander.String(), name=name, title=title, preparer=normalise_email,
        validator=colander.All(colander.Length(max=254), colander.Email(msg=_("Enter a valid e-mail address."))),
        widget=deform.widget.TextInputWidget(attributes={"type": "email", "autocomplete": "email"}),
    )


def name_node(title, autocomplete, name=""):
    return colander.SchemaNode(
        colander.String(), name=name, title=title, preparer=strip,
        validator=colander.All(colander.Length(min=1, max=100), name_validator),
        widget=deform.widget.TextInputWidget(attributes={"autocomplete": autocomplete}),
    )


def phone_node():
    return colander.SchemaNode(
        colander.String(), title=_("Mobile phone (optional)"), preparer=normalise_phone,
        validator=phone_validator, missing=None,
        description=_("Only to receive your codes by SMS, if you choose so."),
        widget=deform.widget.TextInputWidget(attributes={"type": "tel", "autocomplete": "tel"}),
    )


def new_password_node(title=_("Password")):
    return colander.SchemaNode(
        colander.String(), title=title, validator=password_validator,
        description=_("At least 8 characters. A long sentence is easy to remember and hard to guess."),
        widget=deform.widget.PasswordWidget(attributes={"autocomplete": "new-password"}),
    )


def current_password_node(title=_("Password"), name="password"):
    return colander.SchemaNode(
        colander.String(), name=name, title=title, validator=colander.Length(max=1024),
        widget=deform.widget.PasswordWidget(attributes={"autocomplete": "current-password"}),
    )


CHANNELS = (("email", _("By e-mail")), ("sms", _("By SMS (needs a mobile phone number)")))


class SignupSchema(CSRFSchema):
    last_name = name_node(_("Last name"), "family-name")
    first_name = name_node(_("First name"), "given-name")
    email = email_node()
    password = new_password_node()
    phone = phone_node()
    channel = colander.SchemaNode(
        colander.String(), title=_("Send my activation code"), default="email", oid="channel",
        validator=colander.OneOf([c for c, _t in CHANNELS]),
        widget=deform.widget.RadioChoiceWidget(values=CHANNELS),
    )

    def validator(self, node, value):
        exc = colander.Invalid(node)
        if value.get("channel") == "sms" and not value.get("phone"):
            exc["phone"] = _("Enter a mobile number to receive the code by SMS.")
        message = password_context_problem(value["password"], value["email"], value["first_name"],
                                           value["last_name"])
        if message:
            exc["password"] = message
        if exc.children:
            raise exc


def code_node():
    return colander.SchemaNode(
        colander.String(), name="code", title=_("Code"), preparer=strip, validator=code_validator,
        widget=deform.widget.TextInputWidget(attributes={
            "autocomplete": "one-time-code", "inputmode": "text", "maxlength": "12",
            "autocapitalize": "characters", "spellcheck": "false"}),
    )


class CodeSchema(CSRFSchema):
    code = code_node()


class LoginSchema(CSRFSchema):
    email = email_node()
    password = current_password_node()


class ProfileSchema(CSRFSchema):
    last_name = name_node(_("Last name"), "family-name")
    first_name = name_node(_("First name"), "given-name")
    phone = phone_node()


class PasswordSchema(CSRFSchema):
    current_password = current_password_node(_("Current password"), "current_password")
    new_password = new_password_node(_("New password"))
    new_password.validator = _own_password_validator


class EmailChangeSchema(CSRFSchema):
    password = current_password_node(_("Current password"))
    new_email = email_node(_("New e-mail address"), "new_email")


class DeleteSchema(CSRFSchema):
    password = current_password_node(_("Current password"))
    confirm = colander.SchemaNode(
        colander.Boolean(), title=_("I understand that this cannot be undone."),
        validator=colander.Function(lambda v: bool(v), _("Tick the box to confirm.")),
        widget=deform.widget.CheckboxWidget(),
    )


class ForgotSchema(CSRFSchema):
    email = email_node()


class ResetSchema(CSRFSchema):
    code = code_node()
    new_password = new_password_node(_("New password"))
