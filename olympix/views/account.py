"""Sign-up, activation, sign-in/out and "My account"."""
import hmac

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config, view_defaults

from ..i18n import _
from ..resources.account import AccountFolder
from ..schemas import account as schemas
from ..security import codes
from ..security.permissions import Permission
from ..security.policy import revoke_sessions, session_stamp, sign_in, sign_out
from ..services import accounts, audit
from ..services.accounts import CodeCheck
from .forms import FormError, flash, run_form
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


def redirect(request, *path, headers=None, **query):
    url = request.resource_url(request.root, "account", *path, query=query or None)
    return HTTPSeeOther(url, headers=headers)


@view_defaults(context=AccountFolder, permission=Permission.SITE_VIEW)
class PublicAccountViews:
    """What a visitor does: sign up, activate, sign in."""

    def __init__(self, context, request):
        self.context = context
        self.request = request

    @view_config(name="signup", renderer=TEMPLATE.format("signup"))
    def signup(self):
        request = self.request

        def success(data):
            pending = accounts.sign_up(request, data)
            # Only the session that set the pending password may activate it.
            request.session["pending_stamp"] = session_stamp(request, pending) if pending else ""
            request.session["pending_email"] = data["email"]
            request.session["pending_channel"] = data["channel"]
            request.session["resend_at"] = accounts.now(request).timestamp()
            start_stand_in(request, "activate")
            return redirect(request, "@@verify")

        return run_form(request, schemas.SignupSchema(), _("Create my account"), success)

    @view_config(name="verify", renderer=TEMPLATE.format("verify"))
    def verify(self):
        request = self.request
        email = request.session.get("pending_email")
        if not email:
            return redirect(request, "@@signup")

        def success(data):
            user = accounts.find_user(request, email)
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
            if result is CodeCheck.WRONG:
                raise FormError(WRONG_CODE, "code")
            if result is CodeCheck.VOID:
                raise FormError(VOID_CODE, "code")
            accounts.activate(request, user)
            headers = sign_in(request, user)
            flash(request, "Your account is active. Welcome!")
            return redirect(request, headers=headers)

        values = run_form(request, schemas.CodeSchema(), _("Activate my account"), success)
        if isinstance(values, dict):
            values.update(email=email, channel=request.session.get("pending_channel", "email"))
        return values

    @view_config(name="resend", request_method="POST")
    def resend(self):
        request = self.request
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

    @view_config(name="login", renderer=TEMPLATE.format("login"))
    def login(self):
        request = self.request
        next_url = safe_next(request, request.params.get("next"),
                             request.resource_url(request.root, "account"))

        def success(data):
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
            return HTTPSeeOther(next_url, headers=headers)

        values = run_form(request, schemas.LoginSchema(), _("Sign in"), success)
        if isinstance(values, dict):
            values["next"] = request.params.get("next", "")
        return values

    @view_config(name="logout", request_method="POST")
    def logout(self):
        headers = sign_out(self.request)
        return HTTPSeeOther(self.request.application_url + "/", headers=headers)


@view_defaults(context=AccountFolder, permission=Permission.ACCOUNT_MANAGE)
class MyAccountViews:
    """What a signed-in person does with their own account."""

    def __init__(self, context, request):
        self.context = context
        self.request = request
        self.user = request.identity

    @view_config(renderer=TEMPLATE.format("home"))
    def home(self):
        return {"user": self.user}

    @view_config(name="logout-everywhere", request_method="POST")
    def logout_everywhere(self):
        """End every session of this account, this one included."""
        revoke_sessions(self.request, self.user)
        headers = sign_out(self.request)
        flash(self.request, "Every session of your account is signed out.", "info")
        return redirect(self.request, "@@login", headers=headers)

    @view_config(name="profile", renderer=TEMPLATE.format("form"))
    def profile(self):
        request, user = self.request, self.user

        def success(data):
            user.first_name, user.last_name, user.phone = data["first_name"], data["last_name"], data["phone"]
            flash(request, "Your details are saved.")
            return redirect(request)

        values = run_form(request, schemas.ProfileSchema(), _("Save"), success, appstruct={
            "first_name": user.first_name, "last_name": user.last_name, "phone": user.phone or ""})
        return self._page(values, _("My details"))

    @view_config(name="password", renderer=TEMPLATE.format("form"))
    def password(self):
        request, user = self.request, self.user

        def success(data):
            if not request.passwords.verify(user.password_hash, data["current_password"]):
                raise FormError(_("This is not your current password."), "current_password")
            accounts.change_password(request, user, data["new_password"])
            headers = sign_in(request, user)  # every other session ended with the change
            flash(request, "Your password is changed.")
            return redirect(request, headers=headers)

        values = run_form(request, schemas.PasswordSchema(), _("Change my password"), success)
        return self._page(values, _("Change my password"))

    @view_config(name="email", renderer=TEMPLATE.format("form"))
    def email(self):
        request, user = self.request, self.user

        def success(data):
            if not request.passwords.verify(user.password_hash, data["password"]):
                raise FormError(_("This is not your current password."), "password")
            if data["new_email"] == user.email:
                raise FormError(_("This is already your address."), "new_email")
            accounts.request_email_change(request, user, data["new_email"])
            request.session["new_email"] = data["new_email"]
            return redirect(request, "@@email-verify")

        values = run_form(request, schemas.EmailChangeSchema(), _("Send a code to the new address"), success)
        return self._page(values, _("Change my e-mail address"),
                          _("We send a code to the new address; it replaces the old one once you enter it."))

    @view_config(name="email-verify", renderer=TEMPLATE.format("form"))
    def email_verify(self):
        request, user = self.request, self.user
        new_email = request.session.get("new_email")
        if not new_email:
            return redirect(request, "@@email")

        def success(data):
            result, code = accounts.check_code(request, user, "email", data["code"])
            if result is CodeCheck.WRONG:
                raise FormError(WRONG_CODE, "code")
            if result is CodeCheck.VOID or code.target != new_email:
                raise FormError(VOID_CODE, "code")
            if not accounts.confirm_email_change(request, user, code):
                raise FormError(_("This address is already used by another account."), "code")
            request.session.pop("new_email", None)
            flash(request, "Your e-mail address is changed.")
            return redirect(request)

        values = run_form(request, schemas.CodeSchema(), _("Confirm"), success)
        return self._page(values, _("Confirm your new address"),
                          _("Enter the code sent to %(email)s.", mapping={"email": new_email}))

    @view_config(name="delete", renderer=TEMPLATE.format("delete"))
    def delete(self):
        request, user = self.request, self.user

        def success(data):
            if not request.passwords.verify(user.password_hash, data["password"]):
                raise FormError(_("This is not your current password."), "password")
            accounts.delete_account(request, user)
            audit.record(request, "account.delete", "user", user.id, actor=user)
            headers = sign_out(request)
            flash(request, "Your account is deleted. Goodbye.", "info")
            return HTTPSeeOther(request.application_url + "/", headers=headers)

        return run_form(request, schemas.DeleteSchema(), _("Delete my account"), success)

    def _page(self, values, title, intro=None):
        if isinstance(values, dict):
            values.update(title=title, intro=intro)
        return values
