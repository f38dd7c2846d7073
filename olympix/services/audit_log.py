"""Reading the audit log: the administrators' page, a page of entries at a time."""
from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import func, select

from ..models import AuditEntry, User
from .audit import first_broken_entry

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditPage:
    rows: list  # (AuditEntry, User or None), newest first
    actions: list  # every action name in the log, for the filter
    action: str  # the filter applied ("" for all)
    page: int
    pages: int
    total: int
    broken: tuple | None  # (seq, why) when the chain was verified and is broken


def audit_page(request, action="", page="1", verify=False, page_size=PAGE_SIZE):
    """One page of entries, filtered by ``action`` (ignored when unknown).

    ``page`` is what the query string said: out of range or not a number
    reads as the nearest page.
    """
    dbsession = request.dbsession
    actions = dbsession.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).all()
    if action not in actions:
        action = ""
    query = select(AuditEntry, User).outerjoin(User, User.id == AuditEntry.actor_id)
    count = select(func.count(AuditEntry.id))
    if action:
        query = query.where(AuditEntry.action == action)
        count = count.where(AuditEntry.action == action)
    total = dbsession.scalar(count)
    pages = max(1, math.ceil(total / page_size))
    try:
        number = min(max(1, int(str(page)[:6])), pages)
    except ValueError:
        number = 1
    rows = dbsession.execute(query.order_by(AuditEntry.seq.desc())
                             .limit(page_size).offset((number - 1) * page_size)).all()
    broken = first_broken_entry(dbsession) if verify else None
    return AuditPage(rows=rows, actions=actions, action=action, page=number, pages=pages,
                     total=total, broken=broken)
