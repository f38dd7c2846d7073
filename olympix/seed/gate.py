"""Demo gates: two or three entrances per venue (idempotent).

Large venues (stadiums, over 20,000 seats) get three gates, the others two;
a gate's code is ``<venue slug>-a``, ``-b``, ``-c``. Running it twice adds
nothing.
"""
from sqlalchemy import select

from ..models import Venue
from ..models.gate import Gate
from ..interfaces import IClock

NAMES = (("a", "Porte A"), ("b", "Porte B"), ("c", "Porte C"))
LARGE_VENUE = 20_000


def seed(request):
    dbsession = request.dbsession
    now = request.find_service(IClock).now()
    existing = set(dbsession.scalars(select(Gate.code)))
    names = {tuple(row) for row in dbsession.execute(select(Gate.venue_id, Gate.name))}
    made = 0
    for venue in dbsession.scalars(select(Venue).order_by(Venue.id)):
        count = 3 if (venue.capacity or 0) > LARGE_VENUE else 2
        for letter, name in NAMES[:count]:
            code = f"{venue.slug}-{letter}"[:64]
            if code in existing or (venue.id, name) in names:
                continue
            dbsession.add(Gate(venue_id=venue.id, code=code, name=name, active=True, created_at=now))
            existing.add(code)
            names.add((venue.id, name))
            made += 1
    dbsession.flush()
    return made
