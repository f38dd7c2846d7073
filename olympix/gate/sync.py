"""Uploading a gate's offline journal: ``POST /api/gate/sync`` (issue #12.3).

Each scan a gate judged offline carries a nonce the device made; the scan
row keeps it (a unique column), so a replayed upload changes nothing: the
nonces already recorded are skipped, and two uploads racing each other end
in a duplicate key that pyramid_retry replays (models/retry.py), the second
time finding them recorded.

The new scans are applied in time order, each at its own time, through the
same ``scan`` as online (proofs, windows, the conditional UPDATE):

* what the gate let in offline and the server admits now is an admission,
  at the time it happened;
* what the gate let in but the ticket was already in by then (another gate
  admitted it offline, and synced first; or online) is a "double admission
  hors ligne": a deny whose ``related_scan_id`` is the other admission, so
  the anomaly names both gates, agents and times;
* what the gate refused offline is recorded as refused, with its reason,
  and moves no ticket.

A malformed entry is refused alone (``Journal``); only a body that is not a
journal at all is refused whole.
"""
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, select, update

from ..i18n import _
from ..models import Ticket
from ..models.gate import Scan, Verdict
from ..security import ticket_code
from ..services.clock import now
from . import services as service
from .scan import Reason, fingerprint, scan

MAX_SCANS = 500
NONCE_RE = re.compile(r"[A-Za-z0-9_-]{8,64}")
#: How old an offline scan may be, and how far ahead of the server's clock.
MAX_AGE = timedelta(days=7)
MAX_AHEAD = timedelta(minutes=5)
KNOWN_REASONS = {value for name, value in vars(Reason).items() if name.isupper()}
MAX_CODE_CHARS = 512


class SyncError(ValueError):
    """A body or an entry we cannot apply (``message``: a translation string, for the answer)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _entry(item, current):
    """One journal entry checked and normalised; SyncError saying what is off."""
    if not isinstance(item, dict):
        raise SyncError(_("Each scan must be an object."))
    nonce, code, at, verdict = item.get("nonce"), item.get("code"), item.get("at"), item.get("verdict")
    reason = item.get("reason", Reason.UNREADABLE)
    if not isinstance(nonce, str) or not NONCE_RE.fullmatch(nonce):
        raise SyncError(_("Each scan needs a \"nonce\" of 8 to 64 letters, digits, - or _."))
    if not isinstance(code, str) or len(code) > MAX_CODE_CHARS:
        raise SyncError(_("Each scan needs the scanned \"code\"."))
    if verdict not in (Verdict.ADMIT, Verdict.DENY) or not isinstance(reason, str):
        raise SyncError(_("Each scan needs a \"verdict\": admit or deny."))
    try:
        when = datetime.fromisoformat(at) if isinstance(at, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise SyncError(_("Each scan needs its time \"at\" in ISO 8601 with a time zone."))
    when = when.astimezone(timezone.utc)
    if not current - MAX_AGE <= when <= current + MAX_AHEAD:
        raise SyncError(_("A scan's time is too far from now."))
    return {"nonce": nonce, "code": code, "at": when, "verdict": verdict,
            "reason": reason if reason in KNOWN_REASONS else Reason.UNREADABLE}


def _readable_nonce(item):
    nonce = item.get("nonce") if isinstance(item, dict) else None
    return nonce if isinstance(nonce, str) and NONCE_RE.fullmatch(nonce) else None


class Journal:
    """A sync body read: its good ``entries`` in time order, the ``refused`` ones, the ``repeated`` nonces.

    One bad entry refuses only itself: at a stadium's gate after an outage,
    thousands of genuine scans must not wait behind one corrupt entry. Each
    refusal is {"index": its place in the upload, "nonce" when it has a
    readable one, "error": a translation string}, for the device to set it
    apart. A nonce sent twice in one upload is applied once and counted as
    replayed the other times.
    """

    def __init__(self, entries, refused, repeated):
        self.entries, self.refused, self.repeated = entries, refused, repeated


def parse(request, body):
    """The Journal of a sync body; SyncError if the body is not a journal (no list of at most MAX_SCANS)."""
    scans = body.get("scans") if isinstance(body, dict) else None
    if not isinstance(scans, list) or len(scans) > MAX_SCANS:
        raise SyncError(_("\"scans\" must be a list of at most %(count)s scans.", mapping={"count": MAX_SCANS}))
    current, entries, refused, seen, repeated = now(request), [], [], set(), 0
    for index, item in enumerate(scans):
        try:
            checked = _entry(item, current)
        except SyncError as bad:
            nonce = _readable_nonce(item)
            refused.append({"index": index, **({"nonce": nonce} if nonce else {}), "error": bad.message})
            continue
        if checked["nonce"] in seen:
            repeated += 1
            continue
        seen.add(checked["nonce"])
        entries.append(checked)
    entries.sort(key=lambda e: (e["at"], e["nonce"]))
    return Journal(entries, refused, repeated)


def _ticket_id(request, code):
    try:
        serial = ticket_code.decode(code, service.scan_config(request).ticket_keyring).serial
    except ticket_code.InvalidCode:
        return None
    return request.dbsession.scalar(select(Ticket.id).where(Ticket.serial == serial))


def _first_admission(request, ticket_id, other_than):
    return request.dbsession.scalar(
        select(Scan.id).where(Scan.ticket_id == ticket_id, Scan.verdict == Verdict.ADMIT, Scan.id != other_than)
        .order_by(Scan.at, Scan.id).limit(1))


def apply(request, gate, journal, *, agent_id, device_token_id=None):
    """Record the journal's new scans at ``gate`` by ``agent_id``.

    The answer: {"applied", "replayed", "results": [...], "refused": [...]}, the
    refusals' reasons in the request's language; applied + replayed + the
    refused make every scan of the upload.
    """
    dbsession, token_id, entries = request.dbsession, device_token_id, journal.entries
    nonces = [e["nonce"] for e in entries]
    known = set(dbsession.scalars(select(Scan.nonce).where(Scan.nonce.in_(nonces)))) if nonces else set()
    results = []
    for entry in entries:
        if entry["nonce"] in known:
            continue
        if entry["verdict"] == Verdict.ADMIT:
            result = scan(dbsession, service.scan_config(request), entry["code"], gate=gate, agent_id=agent_id,
                          now=entry["at"], device_token_id=token_id, nonce=entry["nonce"], offline=True)
            verdict, reason = result.verdict, result.reason
            if reason == Reason.ALREADY_SCANNED and result.ticket is not None:
                reason = Reason.DOUBLE_OFFLINE
                dbsession.execute(update(Scan).where(Scan.id == result.scan_id).values(
                    reason=reason, related_scan_id=_first_admission(request, result.ticket.id, result.scan_id))
                    .execution_options(synchronize_session=False))
        else:
            verdict, reason = Verdict.DENY, entry["reason"]
            excerpt, digest = fingerprint(entry["code"])
            dbsession.execute(insert(Scan).values(
                ticket_id=_ticket_id(request, entry["code"]), agent_id=agent_id, gate_id=gate.id,
                device_token_id=token_id, verdict=verdict, reason=reason, at=entry["at"], code_excerpt=excerpt,
                code_sha256=digest, nonce=entry["nonce"], offline=True))
        results.append({"nonce": entry["nonce"], "verdict": str(verdict), "reason": reason})
    refused = [{**r, "error": request.localizer.translate(r["error"])} for r in journal.refused]
    return {"applied": len(results), "replayed": len(entries) - len(results) + journal.repeated,
            "results": results, "refused": refused}
