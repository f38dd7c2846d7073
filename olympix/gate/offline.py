"""Gates that keep working offline (issue #12.3): the bundle and the local verdict.

``GET /api/gate/bundle`` gives a gate what it needs to judge the tickets of
its current and next sessions without the server, encrypted to the device:

* per ticket (by serial): its event, the holder's name, its state, the
  rotating code's ``totp_key`` (derived from ``ticket_key``: the key itself
  never leaves the server) and the SHA-256 of its printed code (enough to
  recognise that code, not to make it);
* the rotating codes' sub-key of each server key still on the ring
  (``ticket_code.rotating_key``: not the key of the printed codes);
* the sessions' times, their phone-only setting, and the revoked serials.

The bundle is sealed with AES-GCM under a key bound to the device: for a
device token, SHA-256 of a label and the token itself (the server only
stores the token's hash, so it derives the key while the token is in the
request; a revoked token gets no new bundle and its uploads are refused);
for an agent's browser page, a random key kept in the session and written
into the page, so what sits in the browser's storage is useless alone.

:func:`verdict` is the local decision, the same as ``static/js/gate.js``
makes: the command ``olympix gate-reader --offline-bundle`` uses it. Scans
judged offline go in a journal that ``sync.py`` applies later.
"""
import base64
import hashlib
import hmac
import json
import os
import secrets
from datetime import timedelta
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import LargeBinary, select, type_coerce

from ..models import Ticket, TicketState, User
from ..models.sealed import open_text
from ..security import atrest, ticket_code
from ..services.clock import now
from . import bundle_cache
from . import services as service
from .scan import Reason

VERSION = 1
_DEVICE_KEY_LABEL = b"olympix-gate-bundle-key\x00"
_SESSION_KEY = "gate.bundle_key"
FIRST_NAME, LAST_NAME = Ticket.attendee_first_name.type.purpose, Ticket.attendee_last_name.type.purpose
BUNDLED_STATES = (TicketState.PAID, TicketState.DELIVERED, TicketState.SCANNED, TicketState.DEACTIVATED)


def b64(data):
    return base64.b64encode(data).decode("ascii")


def device_key(token):
    """The bundle key of a device token (the device derives it from its own token)."""
    return hashlib.sha256(_DEVICE_KEY_LABEL + token.encode("utf-8")).digest()


def session_key(request):
    """The bundle key of an agent's browser session (made once per session)."""
    key = request.session.get(_SESSION_KEY)
    if not key:
        key = request.session[_SESSION_KEY] = b64(secrets.token_bytes(32))
    return base64.b64decode(key)


def _aad(gate_code):
    return b"olympix-gate-bundle:" + gate_code.encode("utf-8")


def seal(bundle, key):
    """The bundle as the API answers it: its gate and time in clear, the rest AES-GCM."""
    nonce = os.urandom(12)
    plain = json.dumps(bundle, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return {"v": VERSION, "gate": bundle["gate"], "generated_at": bundle["generated_at"], "nonce": b64(nonce),
            "ciphertext": b64(AESGCM(key).encrypt(nonce, plain, _aad(bundle["gate"])))}


class BundleError(ValueError):
    """The file is not a bundle this key opens."""


def open_sealed(sealed, key):
    """The bundle inside ``sealed`` (what ``seal`` made), or BundleError."""
    try:
        nonce, data = base64.b64decode(sealed["nonce"]), base64.b64decode(sealed["ciphertext"])
        return json.loads(AESGCM(key).decrypt(nonce, data, _aad(sealed["gate"])))
    except (KeyError, TypeError, ValueError, InvalidTag) as exc:
        raise BundleError("not a bundle for this key") from exc


def _epoch(when):
    return int(when.timestamp())


def build(request, gate):
    """What ``gate`` needs to judge its current and next sessions' tickets offline (plain dict)."""
    keyring = request.registry.settings["olympix.ticket_keys.parsed"]
    opens_before = service.scan_config(request).opens_before
    events = service.events_at_gate(request, gate)
    read_at, tickets, revoked = _tickets_of(request, events) if events else (now(request), {}, [])
    return {
        "v": VERSION, "gate": gate.code, "gate_name": gate.name, "venue": gate.venue.name(request.locale_name),
        "generated_at": _epoch(read_at), "step": ticket_code.WINDOW_SECONDS,
        "drift": ticket_code.DRIFT_WINDOWS,
        "rot_keys": {key_id: b64(ticket_code.rotating_key(key)) for key_id, key in keyring.keys.items()},
        "events": {str(e.id): {"title": e.title(request.locale_name), "starts": _epoch(e.starts_at),
                               "ends": _epoch(e.ends_at), "opens": _epoch(e.gates_open_at(opens_before)),
                               "phone_only": bool(e.phone_only)} for e in events},
        "tickets": tickets, "revoked": revoked,
    }


REUSED = 8  # sets of sessions whose tickets a process keeps (a venue's gates share one)


def _tickets_of(request, events):
    """``(read at, {serial: entry}, [revoked serials])`` of ``events``' tickets.

    Read at most once every ``olympix.gate.bundle_reuse_seconds`` per process
    for the same sessions: every device of a venue refreshes its bundle each
    minute, and the bundle only serves while the server does not answer (a
    ticket used meanwhile is caught at sync as a double admission). 0: read
    them for every bundle (the tests).
    """
    reuse = timedelta(seconds=int(request.registry.settings.get("olympix.gate.bundle_reuse_seconds", 20)))
    key = tuple(sorted(e.id for e in events))
    current = now(request)
    kept = request.registry.setdefault("olympix.gate.bundle_tickets", {})
    found = kept.get(key)
    if found is not None and timedelta(0) <= current - found[0] < reuse:
        return found
    found = (current, *_read_tickets(request, key))
    if len(kept) >= REUSED:
        kept.clear()
    kept[key] = found
    return found


def _read_tickets(request, event_ids):
    settings = request.registry.settings
    data_keys, keyring = settings["olympix.data_keys.parsed"], settings["olympix.ticket_keys.parsed"]
    # The names as their sealed bytes: opened once per ticket and process (bundle_cache), not per bundle.
    rows = request.dbsession.execute(
        select(Ticket.serial, Ticket.event_id, type_coerce(Ticket.attendee_first_name, LargeBinary),
               type_coerce(Ticket.attendee_last_name, LargeBinary), Ticket.state, Ticket.ticket_key, User.user_key)
        .join(User, User.id == Ticket.owner_id)
        .where(Ticket.event_id.in_(event_ids))).all()
    code_key = bundle_cache.fingerprint(keyring.current.encode("ascii"), keyring.keys[keyring.current])
    tickets, revoked = {}, []
    for serial, event_id, first, last, state, sealed_ticket_key, sealed_user_key in rows:
        if state == TicketState.DEACTIVATED:
            revoked.append(serial)
        if state not in BUNDLED_STATES:
            continue
        name, totp, digest = bundle_cache.entry(
            serial, (first or b"", last or b"", sealed_ticket_key, sealed_user_key, code_key),
            lambda: _derive(serial, first, last, sealed_ticket_key, sealed_user_key, data_keys, keyring))
        tickets[str(serial)] = [event_id, name, str(state), totp, digest]
    return tickets, revoked


def _derive(serial, first, last, sealed_ticket_key, sealed_user_key, data_keys, keyring):
    """(holder's name, rotating code's key, printed code's digest) of one ticket, from its sealed columns."""
    ticket_key = atrest.unseal(data_keys, sealed_ticket_key, "ticket_key")
    user_key = atrest.unseal(data_keys, sealed_user_key, "user_key")
    printed = ticket_code.encode(serial, user_key, ticket_key, keyring)
    name = f"{open_text(FIRST_NAME, first) or ''} {open_text(LAST_NAME, last) or ''}".strip()
    return name, b64(ticket_code.totp_key(ticket_key)), printed_digest(printed)


def printed_digest(code):
    """What the bundle keeps of a printed code: its SHA-256 (hex), enough to recognise it."""
    return hashlib.sha256(code.strip().upper().encode("ascii")).hexdigest()


# --- the local verdict (gate-reader; static/js/gate.js does the same) -------

def _decode_rotating(bundle, text):
    """(serial, window, proof) of a rotating code the bundle's keys open, or None."""
    key = bundle["rot_keys"].get(text[2])
    if key is None:
        return None
    try:
        sealed = base64.b32decode(text[3:] + "======")
    except ValueError:
        return None
    decryptor = Cipher(algorithms.AES(base64.b64decode(key)), modes.ECB()).decryptor()
    block = decryptor.update(sealed) + decryptor.finalize()
    return int.from_bytes(block[:6], "big"), int.from_bytes(block[6:10], "big"), block[10:]


def verdict(bundle, text, at, admitted=()):
    """The offline verdict of ``text`` at time ``at``: {"verdict", "reason", "serial", "holder", "event"}.

    ``admitted``: serials this gate already let in offline (its journal).
    """
    answer = {"verdict": "deny", "reason": Reason.UNREADABLE, "serial": None, "holder": None, "event": None,
              "offline": True}
    text = (text or "").strip().upper()
    if not (len(text) == ticket_code.CODE_LENGTH and text[:2] in (ticket_code.PREFIX, ticket_code.ROTATING_PREFIX)
            and set(text[3:]) <= set(ticket_code.KEY_ID_ALPHABET)):
        return answer
    answer["reason"] = Reason.UNKNOWN_OR_FORGED
    rotating = text.startswith(ticket_code.ROTATING_PREFIX)
    if rotating:
        opened = _decode_rotating(bundle, text)
        entry = bundle["tickets"].get(str(opened[0])) if opened else None
        if entry is None:
            return answer
        serial, window, proof = opened
        expected = hmac.new(base64.b64decode(entry[3]), b"olympix-rotating-proof" + serial.to_bytes(6, "big")
                            + window.to_bytes(4, "big"), hashlib.sha256).digest()[:6]
        if not hmac.compare_digest(proof, expected):
            return answer
        age = int(at.timestamp()) // bundle["step"] - window
        if age < -bundle["drift"]:
            return answer
    else:
        digest = printed_digest(text)
        found = [(s, e) for s, e in bundle["tickets"].items() if hmac.compare_digest(e[4], digest)]
        if not found:
            return answer
        serial, entry = int(found[0][0]), found[0][1]
        age = 0
    event = bundle["events"].get(str(entry[0]))
    answer.update(serial=serial, holder=entry[1], event=event["title"] if event else None)
    stamp = int(at.timestamp())
    if age > bundle["drift"]:
        answer["reason"] = Reason.STALE_CODE
    elif not rotating and event and event["phone_only"]:
        answer["reason"] = Reason.PRINTED_AT_PHONE_ONLY
    elif serial in bundle["revoked"] or entry[2] == TicketState.DEACTIVATED:
        answer["reason"] = Reason.DEACTIVATED
    elif entry[2] == TicketState.SCANNED or serial in admitted:
        answer["reason"] = Reason.ALREADY_SCANNED
    elif event is None or stamp > event["ends"]:
        answer["reason"] = Reason.EXPIRED if event else Reason.WRONG_EVENT_OR_DAY
    elif stamp < event["opens"]:
        answer["reason"] = Reason.WRONG_EVENT_OR_DAY
    else:
        answer.update(verdict="admit", reason=Reason.ADMITTED)
    return answer

