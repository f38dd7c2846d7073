"""A forgotten password: a single-use code by e-mail, then a new password.

The answer never tells whether the address has an account: the same page
and the same redirect either way; only an active account gets a code. The
code follows the activation code's rules (security/codes.py: 10 minutes,
hashed, 5 tries, one a minute). A reset ends every other session.
"""

from ..i18n import _
from ..schemas import account as schemas
from ..security.policy import sign_in
from ..services import accounts
from .account import public, redirect, refuse_bad_code, stand_in_check, start_stand_in
from .forms import FormError, FormView, flash


@public("forgot", "forgot")
class ForgotForm(FormView):
    schema_class = schemas.ForgotSchema
    button = _("Send me a code")

    def success(self, data):
        request = self.request
        accounts.request_password_reset(request, data["email"])
        request.session["reset_email"] = data["email"]
        start_stand_in(request, "reset")
        return redirect(request, "@@reset")


@public("reset", "reset")
class ResetForm(FormView):
    schema_class = schemas.ResetSchema
    button = _("Change my password")

    def __call__(self):
        self.email = self.request.session.get("reset_email")
        if not self.email:
            return redirect(self.request, "@@forgot")
        return super().__call__()

    def values(self):
        return {"email": self.email}

    def success(self, data):
        request, email = self.request, self.email
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
        refuse_bad_code(result)
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
