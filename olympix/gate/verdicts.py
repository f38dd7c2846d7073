"""What the agent reads of a scan: the verdict in words, the reason, times.

The scan service (``scan.py``) decides; this module only says it, in the
agent's language (a ``Formatter``: ``request.fmt``) and in the time zone of
the gate's venue (``Venue.tz``: Tahiti is not Paris). ``describe`` is the
answer of ``POST /api/gate/scans`` and the data of the verdict page: its
keys and machine values are a contract with the scanning devices.
"""
from ..formatting import venue_zone
from ..i18n import _
from ..models import TicketState
from ..models.gate import Verdict
from .scan import Reason

REASON_TEXTS = {
    Reason.ADMITTED: _("Valid ticket: let the holder in."),
    Reason.UNREADABLE: _("Unreadable code: scan again or type the code."),
    Reason.UNKNOWN_OR_FORGED: _("Unknown or forged ticket."),
    Reason.ALREADY_SCANNED: _("Already scanned."),
    Reason.DEACTIVATED: _("Ticket deactivated (cancelled, refunded or replaced)."),
    Reason.EXPIRED: _("Ticket expired: the event is over."),
    Reason.WRONG_EVENT_OR_DAY: _("Not valid at this gate now (another event, venue or day)."),
    Reason.STALE_CODE: _("Stale code — a screenshot? Ask for the live ticket on the holder's phone."),
    Reason.PRINTED_AT_PHONE_ONLY: _("Printed code refused: this session admits the phone ticket only "
                                    "(its code changes every 30 seconds)."),
    Reason.DOUBLE_OFFLINE: _("Admitted twice while offline, at two gates."),
    Reason.RETIRED_KEY: _("Code under a retired key: not valid any more (an old copy?)."),
}
ALREADY_SCANNED_AT = _("Already scanned at %(time)s (%(gate)s).")
ALREADY_SCANNED_ON = _("Already scanned on %(date)s at %(time)s (%(gate)s).")
STATE_LINE = _("Ticket state: %(state)s")
VERDICT_WORDS = {Verdict.ADMIT: _("Admit"), Verdict.DENY: _("Deny")}
DEACTIVATABLE = (TicketState.PAID, TicketState.DELIVERED)


def verdict_word(fmt, verdict):
    return fmt.translate(VERDICT_WORDS[verdict])


def reason_word(fmt, reason):
    """A stored reason in words (an unknown one as it is)."""
    return fmt.translate(REASON_TEXTS[reason]) if reason in REASON_TEXTS else reason


def reason_text(result, fmt):
    """The reason of ``result`` in words; "already scanned" says when and where."""
    if result.reason == Reason.ALREADY_SCANNED and result.previous_at is not None:
        zone = venue_zone(result.gate.venue)
        same_day = fmt.local(result.previous_at, zone).date() == fmt.local(result.at, zone).date()
        message = ALREADY_SCANNED_AT if same_day else ALREADY_SCANNED_ON
        return fmt.translate(message) % {
            "time": fmt.time(result.previous_at, tz=zone), "date": fmt.date(result.previous_at, "numeric", tz=zone),
            "gate": result.previous_gate or "?"}
    return reason_word(fmt, result.reason)


def describe(result, fmt):
    """The answer for the API and the page: plain JSON-able data."""
    lang = fmt.locale
    data = {
        "verdict": str(result.verdict),
        "verdict_text": verdict_word(fmt, result.verdict),
        "reason": result.reason,
        "reason_text": reason_text(result, fmt),
        "scan": {"id": result.scan_id, "at": result.at.isoformat(), "gate": result.gate.code,
                 "gate_name": result.gate.name},
        "ticket": None, "holder": None, "buyer": None, "event": None,
    }
    if result.ticket is not None:
        event = result.event
        state_text = fmt.ticket_state_agent(result.state)
        data["ticket"] = {"serial": result.ticket.serial, "state": str(result.state), "state_text": state_text,
                          "state_line": fmt.translate(STATE_LINE) % {"state": state_text}}
        data["holder"] = {"name": result.holder_name}
        data["buyer"] = {"name": result.buyer_name} if result.buyer_name else None
        zone = venue_zone(result.gate.venue)
        data["event"] = {
            "id": event.id, "code": event.code, "title": event.title(lang),
            "venue": event.venue_name(lang), "starts_at": event.starts_at.isoformat(),
            # A compact stamp devices show as it is, in the venue's zone and
            # the agent's language: "04/08 20:00" / "4 Aug 8:00 PM".
            "starts_local": f"{fmt.date(event.starts_at, 'day', tz=zone)} {fmt.time(event.starts_at, tz=zone)}",
        }
        if result.previous_at is not None:
            data["previous"] = {"at": result.previous_at.isoformat(), "gate": result.previous_gate}
    return data
