"""Count distinct visitors per day, only for people who accepted.

The ``olympix_visitor`` cookie holds ``<random id>.<last counted day>``:
a visitor is written once a day, not on every request.
"""
import secrets

from pyramid.events import NewResponse, subscriber
from sqlalchemy.exc import IntegrityError

from ..models.figures import Visit
from ..services.clock import now, paris_day
from .consent import VISITOR_COOKIE, consent_choice

VISITOR_MAX_AGE = 395 * 24 * 3600  # 13 months, as the cookie policy says


@subscriber(NewResponse)
def count_visit(event):
    request, response = event.request, event.response
    # The raw PATH_INFO: request.path raises on an address that is not UTF-8.
    path = request.environ.get("PATH_INFO", "")
    if consent_choice(request) != "all" or path.startswith(("/static/", "/api/", "/_debug")):
        return
    if response.content_type != "text/html" or response.status_int >= 400:
        return
    # Days are Paris days, like every other figure of the back office.
    day = paris_day(now(request))
    today = day.isoformat()
    visitor, _sep, counted_day = request.cookies.get(VISITOR_COOKIE, "").partition(".")
    if counted_day == today and len(visitor) == 32:
        return
    if len(visitor) != 32 or not visitor.isalnum():
        visitor = secrets.token_hex(16)
    # Its own short transaction: the page's transaction is over by now.
    engine = request.registry["db_engine"]
    try:
        with engine.begin() as conn:
            conn.execute(Visit.__table__.insert().values(day=day, visitor=visitor))
    except IntegrityError:
        pass  # already counted today (another tab)
    response.set_cookie(VISITOR_COOKIE, f"{visitor}.{today}", max_age=VISITOR_MAX_AGE, samesite="Lax",
                        httponly=True, secure=request.registry.settings["olympix.session.secure"])
