"""Codes voided by wrong tries are told apart from codes replaced by a new one."""
from sqlalchemy import select

from olympix.models import VerificationCode
from tests.functional.helpers import code_in, sign_up, submit


def test_wrong_tries_and_replacement_are_recorded(testapp, mailbox, clock, dbsession):
    page = sign_up(testapp).follow()
    good = code_in(mailbox.text(mailbox.to("ada@example.test")[-1]))
    clock.advance(seconds=61)
    page = page.forms[1].submit().follow()  # a new code: the first one is replaced
    good = code_in(mailbox.text(mailbox.to("ada@example.test")[-1]))
    wrong = "222222" if good != "222222" else "333333"
    for _ in range(5):
        page = submit(page, code=wrong)
    rows = dbsession.execute(select(VerificationCode.voided_reason, VerificationCode.voided_at)
                             .order_by(VerificationCode.id)).all()
    assert [reason for reason, _at in rows] == ["replaced", "wrong_tries"]
    assert all(at is not None for _reason, at in rows)
