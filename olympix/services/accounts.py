"""Accounts: sign-up, verification codes, e-mail change, deletion.

Answers never tell whether an address has an account: the same message
and the same work (one argon2 hash, one message queued) either way.
"""
from enum import Enum

from sqlalchemy import select, update

from ..events import AccountDeleted
from ..models import SignIn, User, UserState, VerificationCode
from ..security import atrest, codes
from ..security.policy import revoke_sessions
from ..security.principals import Role
from . import throttle
from .clock import now
from .email import send_email
from .sms import send_sms


class CodeCheck(Enum):
    OK = "ok"
    WRONG = "wrong"  # wrong code, tries left
    VOID = "void"  # no live code: expired, used, or too many tries


def find_user(request, email):
    return request.dbsession.scalar(select(User).where(User.email == email))


def new_user(request, *, email, first_name, last_name, password, phone=None,
             role=Role.USER, state=UserState.PENDING):
    settings = request.registry.settings
    user = User(
        email=email, first_name=first_name, last_name=last_name, phone=phone,
        password_hash=request.passwords.hash(password), role=role, state=state,
        locale=getattr(request, "locale_name", "fr"),
        user_key=atrest.seal(settings["olympix.data_keys.parsed"], atrest.new_key(), "user_key"),
        created_at=now(request),
    )
    if state == UserState.ACTIVE:
        user.activated_at = user.created_at
    request.dbsession.add(user)
    request.dbsession.flush()
    return user


def sign_up(request, data):
    """Create a pending account and send its code, or warn the owner.

    A new sign-up for an address still pending replaces the password, names
    and phone of the first one and voids its codes: whoever signed up first
    (perhaps not the address's owner) loses the account to the latest
    sign-up, whose code goes to the address. Returns the pending account
    whose password this request set, else None.
    """
    existing = find_user(request, data["email"])
    if existing is not None and existing.state == UserState.PENDING:
        existing.password_hash = request.passwords.hash(data["password"])
        existing.first_name, existing.last_name = data["first_name"], data["last_name"]
        existing.phone = data["phone"]
        void_codes(request, existing, "activate")
        issue_code(request, existing, "activate", data["channel"], throttle=True)
        return existing
    if existing is not None:
        request.passwords.hash(data["password"])  # same cost as a real sign-up
        if existing.state == UserState.ACTIVE and exists_mail_allowed(request, existing):
            send_email(request, "account_exists", existing.email, user=existing)
        return None
    user = new_user(request, email=data["email"], first_name=data["first_name"],
                    last_name=data["last_name"], password=data["password"], phone=data["phone"])
    issue_code(request, user, "activate", data["channel"])
    return user


def exists_mail_allowed(request, user):
    """The "you already have an account" mail goes at most once an hour."""
    return throttle.take(request, throttle.ACCOUNT_EXISTS_MAIL, user.email)


def latest_code(request, user, purpose):
    return request.dbsession.scalar(
        select(VerificationCode)
        .where(VerificationCode.user_id == user.id, VerificationCode.purpose == purpose)
        .order_by(VerificationCode.created_at.desc(), VerificationCode.id.desc())
        .limit(1)
    )


def issue_code(request, user, purpose, channel="email", target=None, throttle=False):
    """Make a new code (voiding earlier ones) and send it after commit.

    With ``throttle``, nothing is sent when the last code is less than a
    minute old; returns False then.
    """
    current = now(request)
    last = latest_code(request, user, purpose)
    if throttle and last is not None and current - last.created_at < codes.RESEND_INTERVAL:
        return False
    if channel == "sms" and not user.phone:
        channel = "email"
    void_codes(request, user, purpose)
    code = codes.generate_code()
    request.dbsession.add(VerificationCode(
        user=user, purpose=purpose, channel=channel, target=target,
        code_hash=codes.hash_code(code, request.registry.settings["olympix.code_pepper"]),
        created_at=current, expires_at=current + codes.TTL, attempts_left=codes.MAX_ATTEMPTS,
    ))
    if channel == "sms":
        send_sms(request, f"code_{purpose}", user.phone, code=code)
    else:
        send_email(request, f"code_{purpose}", target or user.email, user=user, code=code)
    return True


def void_codes(request, user, purpose, reason="replaced"):
    """Void the live codes of ``user`` for ``purpose``."""
    request.dbsession.execute(
        update(VerificationCode)
        .where(VerificationCode.user_id == user.id, VerificationCode.purpose == purpose,
               VerificationCode.used_at.is_(None), VerificationCode.attempts_left > 0)
        .values(attempts_left=0, voided_reason=reason, voided_at=now(request))
    )


def check_code(request, user, purpose, typed):
    """Spend one try of the live code; OK marks it used."""
    code = latest_code(request, user, purpose) if user is not None else None
    if code is None or not code.is_live(now(request)):
        return CodeCheck.VOID, None
    if codes.matches(typed, code.code_hash, request.registry.settings["olympix.code_pepper"]):
        # Conditional: two tabs submitting the same code use it once.
        used = request.dbsession.execute(
            update(VerificationCode)
            .where(VerificationCode.id == code.id, VerificationCode.used_at.is_(None))
            .values(used_at=now(request))
        ).rowcount
        return (CodeCheck.OK, code) if used else (CodeCheck.VOID, None)
    request.dbsession.execute(
        update(VerificationCode)
        .where(VerificationCode.id == code.id, VerificationCode.attempts_left > 0)
        .values(attempts_left=VerificationCode.attempts_left - 1)
    )
    request.dbsession.refresh(code)
    if code.attempts_left <= 0 and code.voided_reason is None:
        # The last try went wrong: counted among the anomalies (figures).
        request.dbsession.execute(
            update(VerificationCode)
            .where(VerificationCode.id == code.id, VerificationCode.voided_reason.is_(None))
            .values(voided_reason="wrong_tries", voided_at=now(request))
        )
    return (CodeCheck.WRONG if code.attempts_left > 0 else CodeCheck.VOID), code


def release_code(request, code):
    """Make a code just used live again (what it allowed was refused for another reason)."""
    request.dbsession.execute(
        update(VerificationCode).where(VerificationCode.id == code.id).values(used_at=None))


def activate(request, user):
    user.state = UserState.ACTIVE
    user.activated_at = now(request)
    send_email(request, "welcome", user.email, user=user)


class SignInThrottled(Exception):
    """Too many failed sign-ins for this address or from this client: wait."""


def authenticate(request, email, password):
    """The user when e-mail and password match an account, else None.

    Raises SignInThrottled, before any hashing, when the e-mail typed or
    the client's address failed too often lately: the same answer, at the
    same (small) cost, whether or not an account has this address.
    """
    address = request.client_ip
    if throttle.exceeded(request, throttle.SIGN_IN_PER_ACCOUNT, email) or \
            throttle.exceeded(request, throttle.SIGN_IN_PER_ADDRESS, address):
        raise SignInThrottled()
    user = find_user(request, email)
    if user is None or user.state == UserState.DELETED:
        request.passwords.burn(password)
        user = None
    elif not request.passwords.verify(user.password_hash, password):
        user = None
    if user is None:
        throttle.hit(request, throttle.SIGN_IN_PER_ACCOUNT, email)
        throttle.hit(request, throttle.SIGN_IN_PER_ADDRESS, address)
        return None
    throttle.clear(request, throttle.SIGN_IN_PER_ACCOUNT, email)
    if request.passwords.needs_rehash(user.password_hash):
        user.password_hash = request.passwords.hash(password)
    return user


def record_sign_in(request, user):
    """Counted for the managers' "connections per day"."""
    request.dbsession.add(SignIn(user_id=user.id, at=now(request)))


def change_password(request, user, new_password):
    """The new password; every session of the account ends (the caller may sign this one in again)."""
    user.password_hash = request.passwords.hash(new_password)
    revoke_sessions(request, user)
    send_email(request, "password_changed", user.email, user=user)


def request_password_reset(request, email):
    """Send a reset code when ``email`` is an active account's; nothing else.

    One code a minute per account (``issue_code``'s throttle); the caller
    answers the same whatever happened.
    """
    if not throttle.take(request, throttle.RESET_PER_ADDRESS, request.client_ip):
        return False
    user = find_user(request, email)
    if user is None or not user.is_active:
        return False
    return issue_code(request, user, "reset", "email", throttle=True)


def reset_password(request, user, new_password):
    """The code was right: the new password, and every other session ends."""
    change_password(request, user, new_password)


def request_email_change(request, user, new_email):
    """Send a code to the new address, or tell it it has an account."""
    if find_user(request, new_email) is not None:
        send_email(request, "email_taken", new_email, user=user)
        return
    issue_code(request, user, "email", "email", target=new_email)


def confirm_email_change(request, user, code):
    """Replace the address; False when it was taken meanwhile."""
    if find_user(request, code.target) is not None:
        return False
    old = user.email
    user.email = code.target
    send_email(request, "email_changed", old, user=user, new_email=code.target)
    return True


def delete_account(request, user):
    """Erase personal data; orders stay for accounting, without a name.

    The row stays (orders and tickets point to it, user_key stays as the
    gate needs it to refuse old tickets), its personal data go.
    """
    email = user.email
    request.registry.notify(AccountDeleted(request, user))
    user.email = f"deleted-{user.id}@invalid.olympix"
    user.first_name = ""
    user.last_name = ""
    user.phone = None
    user.password_hash = "!"
    user.state = UserState.DELETED
    user.deleted_at = now(request)
    revoke_sessions(request, user)
    request.dbsession.execute(
        update(VerificationCode).where(VerificationCode.user_id == user.id).values(target=None, attempts_left=0)
    )
    send_email(request, "account_deleted", email, user=None)
