"""Sign-up, activation, sign-in/out and "My account"."""
import hmac

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..i18n import _
from ..resources.account import AccountFolder
from ..schemas import account as schemas
from ..security import codes
from ..security.permissions import Permission
from ..security.policy import revoke_sessions, session_stamp, sign_in, sign_out
from ..services import accounts, audit
from ..services.accounts import CodeCheck
from .forms import FormError, FormView, flash
from .navigation import safe_next

TEMPLATE = "olympix:templates/account/{}.jinja2"
WRONG_CODE = _("This code is not right. Check it and try again.")
REPLACED_SIGNUP = _("Another sign-up was made for this address after yours. Sign up again to get a new code.")
TOO_MANY_SIGN_INS = _("Too many failed sign-ins: wait 15 minutes before trying again, "
                      "or choose a new password with \"Forgot your password?\".")
VOID_CODE = _("This code is no longer valid (expired, already used or too many tries). Ask for a new one.")


def start_stand_in(request, purpose):
    """A code was (or seemed to be) sent: count tries as if one had been, for ``stand_in_check``."""
    request.session[f"{purpose}_sent_at"] = accounts.now(request).timestamp()
    request.session[f"{purpose}_tries"] = 0


def stand_in_check(request, purpose):
    """The answer to a code typed when no code was sent (no such account, or an active one).

    The same answers a real code gives: "not right" four times, then "no
    longer valid" (five tries, ten minutes), so that the answers do not tell
    whether the address has an account.
    """
    tries = request.session.get(f"{purpose}_tries", 0) + 1
    request.session[f"{purpose}_tries"] = tries
    age = accounts.now(request).timestamp() - request.session.get(f"{purpose}_sent_at", 0)
    if tries >= codes.MAX_ATTEMPTS or age >= codes.TTL.total_seconds():
        return CodeCheck.VOID
    return CodeCheck.WRONG


def refuse_bad_code(result):
    """Send the form back when the code typed is wrong or no longer valid."""
    if result is CodeCheck.WRONG:
        raise FormError(WRONG_CODE, "code")
    if result is CodeCheck.VOID:
        raise FormError(VOID_CODE, "code")


def redirect(request, *path, headers=None, **query):
    url = request.resource_url(request.root, "account", *path, query=query or None)
    return HTTPSeeOther(url, headers=headers)


def public(name, template):
    """The view configuration of a visitor's account page."""
    return view_config(context=AccountFolder, name=name, renderer=TEMPLATE.format(template),
                       permission=Permission.SITE_VIEW)


def own(name, template="form"):
    """The view configuration of a page of the signed-in person's own account."""
    return view_config(context=AccountFolder, name=name, renderer=TEMPLATE.format(template),
                       permission=Permission.ACCOUNT_MANAGE)


# --- what a visitor does: sign up, activate, sign in ------------------------

@public("signup", "signup")
class SignupForm(FormView):
    schema_class = schemas.SignupSchema
    button = _("Create my account")

    def success(self, data):
        request = self.request
        pending = accounts.sign_up(request, data)
        # Only the session that set the pending password may activate it.
        request.session["pending_stamp"] = session_stamp(request, pending) if pending else ""
        request.session["pending_email"] = data["email"]
        request.session["pending_channel"] = data["channel"]
        request.session["resend_at"] = accounts.now(request).timestamp()
        start_stand_in(request, "activate")
        return redirect(request, "@@verify")


@public("verify", "verify")
class VerifyForm(FormView):
    schema_class = schemas.CodeSchema
    button = _("Activate my account")

    def __call__(self):
        self.email = self.request.session.get("pending_email")
        if not self.email:
            return redirect(self.request, "@@signup")
        return super().__call__()

    def values(self):
        return {"email": self.email, "channel": self.request.session.get("pending_channel", "email")}

    def success(self, data):
        request = self.request
        user = accounts.find_user(request, self.email)
        if user is not None and user.state != accounts.UserState.PENDING:
            user = None
        if user is not None and not hmac.compare_digest(
                request.session.get("pending_stamp", ""), session_stamp(request, user)):
            # A later sign-up for this address set another password.
            raise FormError(REPLACED_SIGNUP, "code")
        if user is None:
            result = stand_in_check(request, "activate")
        else:
            result, _code = accounts.check_code(request, user, "activate", data["code"])
        refuse_bad_code(result)
        accounts.activate(request, user)
        headers = sign_in(request, user)
        flash(request, "Your account is active. Welcome!")
        return redirect(request, headers=headers)


@view_config(context=AccountFolder, name="resend", request_method="POST", permission=Permission.SITE_VIEW)
def resend(request):
    email = request.session.get("pending_email")
    if not email:
        return redirect(request, "@@signup")
    last = request.session.get("resend_at", 0)
    current = accounts.now(request).timestamp()
    if current - last < 60:
        flash(request, "Please wait a minute before asking for a new code.", "error")
        return redirect(request, "@@verify")
    request.session["resend_at"] = current
    start_stand_in(request, "activate")
    user = accounts.find_user(request, email)
    if user is not None and user.state == accounts.UserState.PENDING:
        channel = request.session.get("pending_channel", "email")
        accounts.issue_code(request, user, "activate", channel, throttle=True)
    flash(request, "If an account is waiting for activation at this address, a new code is on its way.", "info")
    return redirect(request, "@@verify")


@public("login", "login")
class LoginForm(FormView):
    schema_class = schemas.LoginSchema
    button = _("Sign in")

    def values(self):
        return {"next": self.request.params.get("next", "")}

    def success(self, data):
        request = self.request
        try:
            user = accounts.authenticate(request, data["email"], data["password"])
        except accounts.SignInThrottled:
            raise FormError(TOO_MANY_SIGN_INS) from None
        if user is None:
            raise FormError(_("E-mail address or password incorrect."))
        if user.state == accounts.UserState.PENDING:
            accounts.issue_code(request, user, "activate", "email", throttle=True)
            request.session["pending_email"] = user.email
            request.session["pending_stamp"] = session_stamp(request, user)
            flash(request, "Your account is not active yet: enter the code we sent you.", "info")
            return redirect(request, "@@verify")
        headers = sign_in(request, user)
        accounts.record_sign_in(request, user)
        next_url = safe_next(request, request.params.get("next"), request.resource_url(request.root, "account"))
        return HTTPSeeOther(next_url, headers=headers)


@view_config(context=AccountFolder, name="logout", request_method="POST", permission=Permission.SITE_VIEW)
def logout(request):
    headers = sign_out(request)
    return HTTPSeeOther(request.resource_url(request.root), headers=headers)


# --- what a signed-in person does with their own account --------------------

@view_config(context=AccountFolder, renderer=TEMPLATE.format("home"), permission=Permission.ACCOUNT_MANAGE)
def home(request):
    return {"user": request.identity}


@view_config(context=AccountFolder, name="logout-everywhere", request_method="POST",
             permission=Permission.ACCOUNT_MANAGE)
def logout_everywhere(request):
    """End every session of this account, this one included."""
    revoke_sessions(request, request.identity)
    headers = sign_out(request)
    flash(request, "Every session of your account is signed out.", "info")
    return redirect(request, "@@login", headers=headers)


class OwnAccountForm(FormView):
    """A form about the signed-in person's own account, with a title and an intro."""

    title = None
    intro = None

    def __init__(self, context, request):
        super().__init__(context, request)
        self.user = request.identity

    def values(self):
        translate = self.request.localizer.translate
        return {"title": translate(self.title), "intro": translate(self.intro) if self.intro else None}

    def check_password(self, password, field):
        if not self.request.passwords.verify(self.user.password_hash, password):
            raise FormError(_("This is not your current password."), field)


@own("profile")
class ProfileForm(OwnAccountForm):
    schema_class = schemas.ProfileSchema
    title = _("My details")

    def appstruct(self):
        user = self.user
        return {"first_name": user.first_name, "last_name": user.last_name, "phone": user.phone or ""}

    def success(self, data):
        user = self.user
        user.first_name, user.last_name, user.phone = data["first_name"], data["last_name"], data["phone"]
        flash(self.request, "Your details are saved.")
        return redirect(self.request)


@own("password")
class PasswordForm(OwnAccountForm):
    schema_class = schemas.PasswordSchema
    button = title = _("Change my password")

    def success(self, data):
        request = self.request
        self.check_password(data["current_password"], "current_password")
        accounts.change_password(request, self.user, data["new_password"])
        headers = sign_in(request, self.user)  # every other session ended with the change
        flash(request, "Your password is changed.")
        return redirect(request, headers=headers)


@own("email")
class EmailForm(OwnAccountForm):
    schema_class = schemas.EmailChangeSchema
    button = _("Send a code to the new address")
    title = _("Change my e-mail address")
    intro = _("We send a code to the new address; it replaces the old one once you enter it.")

    def success(self, data):
        request = self.request
        self.check_password(data["password"], "password")
        if data["new_email"] == self.user.email:
            raise FormError(_("This is already your address."), "new_email")
        accounts.request_email_change(request, self.user, data["new_email"])
        request.session["new_email"] = data["new_email"]
        return redirect(request, "@@email-verify")


@own("email-verify")
class EmailVerifyForm(OwnAccountForm):
    schema_class = schemas.CodeSchema
    button = _("Confirm")
    title = _("Confirm your new address")

    def __call__(self):
        self.new_email = self.request.session.get("new_email")
        if not self.new_email:
            return redirect(self.request, "@@email")
        self.intro = _("Enter the code sent to %(email)s.", mapping={"email": self.new_email})
        return super().__call__()

    def success(self, data):
        request, user = self.request, self.user
        result, code = accounts.check_code(request, user, "email", data["code"])
        refuse_bad_code(result)
        if code.target != self.new_email:
            raise FormError(VOID_CODE, "code")
        if not accounts.confirm_email_change(request, user, code):
            raise FormError(_("This address is already used by another account."), "code")
        request.session.pop("new_email", None)
        flash(request, "Your e-mail address is changed.")
        return redirect(request)


@own("delete", "delete")
class DeleteForm(OwnAccountForm):
    schema_class = schemas.DeleteSchema
    button = _("Delete my account")

    def success(self, data):
        request, user = self.request, self.user
        self.check_password(data["password"], "password")
        accounts.delete_account(request, user)
        audit.record(request, "account.delete", "user", user.id, actor=user)
        headers = sign_out(request)
        flash(request, "Your account is deleted. Goodbye.", "info")
        return HTTPSeeOther(request.resource_url(request.root), headers=headers)
