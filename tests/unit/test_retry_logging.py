"""Issue 15.7: a request pyramid_retry replays is logged as a replay, not as an error."""
import logging

import pytest
from pyramid.request import Request, apply_request_extensions
from pyramid_retry import mark_error_retryable

from olympix.views.errors import failure


class Deadlock(Exception):
    pass


def request_on_attempt(app, attempt, attempts=3):
    request = Request.blank("/orders/", environ={"retry.attempt": attempt, "retry.attempts": attempts})
    request.registry = app.registry
    apply_request_extensions(request)
    return request


@pytest.fixture
def deadlock():
    exc = Deadlock("1213 Deadlock found when trying to get lock")
    mark_error_retryable(exc)
    return exc


def test_a_replayed_attempt_is_logged_at_info(app, deadlock, caplog):
    with caplog.at_level(logging.INFO, logger="olympix"):
        failure(deadlock, request_on_attempt(app, 0))
    assert [r.levelno for r in caplog.records] == [logging.INFO]
    assert "replaying" in caplog.text


def test_the_last_attempt_is_an_error(app, deadlock, caplog):
    with caplog.at_level(logging.INFO, logger="olympix"):
        response = failure(deadlock, request_on_attempt(app, 2))
    assert response.status_int == 500
    assert caplog.records[0].levelno == logging.ERROR and "unhandled error" in caplog.records[0].message
    assert "replaying" not in caplog.text
