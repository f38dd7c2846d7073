"""A forgotten password: a single-use code by e-mail, then a new password.

The answer never tells whether the address has an account: the same page
and the same redirect either way; only an active account gets a code. The
code follows the activation code's rules (security/codes.py: 10 minutes,
hashed, 5 tries, one a minute). A reset ends every other session.
"""
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config, view_defaults

from ..i18n import _
from ..resources.account import AccountFolder
from ..schemas import account as schemas
from ..security.permissions import Permission
from ..security.policy import sign_in
from ..services import accounts
from ..services.accounts import CodeCheck
from .account import TEMPLATE, VOID_CODE, WRONG_CODE, redirect, stand_in_check, start_stand_in
from .forms import FormError, flash, run_form


@view_defaults(context=AccountFolder, permission=Permission.SITE_VIEW)
class RecoveryViews:
    def __init__(self, context, request):
        self.context = context
        self.request = request

    @view_config(name="forgot", renderer=TEMPLATE.format("forgot"))
    def forgot(self):
        request = self.request

        def success(data):
            accounts.request_password_reset(request, data["email"])
            request.session["reset_email"] = data["email"]
            start_stand_in(request, "reset")
            return redirect(request, "@@reset")

        return run_form(request, schemas.ForgotSchema(), _("Send me a code"), success)

    @view_config(name="reset", renderer=TEMPLATE.format("reset"))
    def reset(self):
        request = self.request
        email = request.session.get("reset_email")
        if not email:
            return redirect(request, "@@forgot")

        def success(data):
            user = accounts.find_user(request, email)
            if user is not None and not user.is_active:
                user = None
            # The address is known to whoever asked; the names only once the code is right.
            refused = schemas.password_context_problem(data["new_password"], email)
            if refused:
                raise FormError(refused, "new_password")
            if user is None:
                result, code = stand_in_check(request, "reset"), None
            else:
                result, code = accounts.check_code(request, user, "reset", data["code"])
            if result is CodeCheck.WRONG:
                raise FormError(WRONG_CODE, "code")
            if result is CodeCheck.VOID:
                raise FormError(VOID_CODE, "code")
            refused = schemas.password_context_problem(data["new_password"], email, user.first_name,
                                                       user.last_name)
            if refused:
                accounts.release_code(request, code)  # a refused password does not spend the code
                raise FormError(refused, "new_password")
            accounts.reset_password(request, user, data["new_password"])
            request.session.pop("reset_email", None)
            headers = sign_in(request, user)
            accounts.record_sign_in(request, user)
            flash(request, "Your password is changed. Every other session of your account is signed out.")
            return redirect(request, headers=headers)

        values = run_form(request, schemas.ResetSchema(), _("Change my password"), success)
        if isinstance(values, dict):
            values["email"] = email
        return values
