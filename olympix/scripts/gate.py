"""Gate commands.

    olympix gates INI
    olympix gate-token INI --agent EMAIL --gate G [--label L]
    olympix gate-tokens INI
    olympix gate-token-revoke INI TOKEN_ID
    olympix anomaly-alerts INI
    olympix gate-reader INI --gate G --port /dev/ttyACM0|auto [--agent EMAIL | --token T]
                        [--offline-bundle FILE]

``gate-reader`` scans each code a serial (USB CDC) scanner sends, in its own
transaction, and prints the verdict and the holder's name. With
``--offline-bundle`` (and ``--token``) it keeps judging from the bundle when
the database does not answer, and syncs its journal when it does again
(``gate/offline_reader.py``).
"""
import logging
import threading

from pyramid.paster import bootstrap, setup_logging
from pyramid.scripting import prepare

from sqlalchemy.exc import DBAPIError

from ..gate import serial_reader, tokens
from ..gate.offline import BundleError
from ..gate.offline_reader import REFRESH_SECONDS, OfflineReader
from ..gate import services as service
from ..gate.scan import scan
from ..gate.verdicts import describe
from ..i18n import _
from ..services import figures
from ..services.accounts import find_user
from ..services.clock import now
from .common import CommandError, app_request, app_settings

log = logging.getLogger(__name__)


def run_gates(args):
    with app_request(args.ini) as request:
        found = service.gates_by_venue(request)
        if not found:
            print("no gate yet (olympix seed-demo, or the back office, makes some)")
        for venue, gates in found:
            print(venue.name("en"))
            for gate in gates:
                print(f"  {gate.code:<40} {gate.name:<24} {'open' if gate.active else 'closed'}")


def _agent(request, email):
    if email:
        user = find_user(request, email)
        agent = service.get_agent(request, user.id) if user is not None else None
        if agent is None:
            raise CommandError(f"{email} is not an active agent or administrator")
        return agent
    agent = service.first_agent(request)
    if agent is None:
        raise CommandError("no active agent: give --agent EMAIL (olympix create-user … --role agent)")
    return agent


def _gate(request, code):
    gate = service.find_gate(request, code)
    if gate is None:
        raise CommandError(f"no open gate with the code {code!r} (see: olympix gates INI)")
    return gate


def run_gate_token(args):
    with app_request(args.ini) as request:
        agent = _agent(request, args.agent)
        gate = _gate(request, args.gate)
        _row, token = tokens.issue_token(request, gate, agent, args.label or "", actor=None)
    print(token)


def run_gate_tokens(args):
    with app_request(args.ini) as request:
        rows = tokens.all_tokens(request)
        if not rows:
            print("no device token yet (olympix gate-token INI --agent EMAIL --gate G makes one)")
            return
        print(f"{'id':>5}  {'gate':<32} {'agent':<32} {'created (UTC)':<16}  {'revoked (UTC)':<16}  label")
        for row, email in rows:
            revoked = f"{row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "-"
            print(f"{row.id:>5}  {row.gate.code:<32} {email:<32} {row.created_at:%Y-%m-%d %H:%M}  "
                  f"{revoked:<16}  {row.label}")


def run_gate_token_revoke(args):
    with app_request(args.ini) as request:
        row = tokens.get_token(request, args.token_id)
        if row is None:
            raise CommandError(f"no device token with the id {args.token_id} (see: olympix gate-tokens INI)")
        if not tokens.revoke_token(request, row, actor=None):
            print(f"token {row.id} was already revoked on {row.revoked_at:%Y-%m-%d %H:%M} UTC")
            return
        gate_code = row.gate.code
    print(f"token {args.token_id} ({gate_code}) revoked")


def say(text):
    print(text, flush=True)  # an operator watches this live


class GateReader:
    """Scans each code from the serial reader in its own transaction."""

    def __init__(self, registry, gate_code, agent_id, token_id=None, out=say, offline=None):
        self.registry, self.gate_code, self.agent_id, self.token_id, self.out = (
            registry, gate_code, agent_id, token_id, out)
        self.lock = threading.Lock()
        self.offline = offline  # an OfflineReader, or None

    def on_code(self, gate, code):
        if self.offline is None:
            return self.scan_online(gate, code)
        try:
            data = self.scan_online(gate, code)
        except DBAPIError:
            log.warning("the database does not answer: judging from the offline bundle")
            try:
                answer = self.offline.judge(code)
            except BundleError as exc:
                self.out(f"DENY   no answer from the database and no offline bundle ({exc})")
                return None
            self.out(f"{answer['verdict'].upper():<6} {answer['holder'] or '-'} — {answer['reason']} (hors ligne)")
            return answer
        self.sync_offline()
        return data

    def sync_offline(self):
        try:
            done = self.offline.sync()
        except DBAPIError:
            return None
        except BundleError as exc:
            self.out(f"offline scans not synced: {exc}")
            return None
        if done:
            refused = (f"; {len(done['refused'])} refused, kept in {self.offline.journal_path}.refused"
                       if done["refused"] else "")
            self.out(f"synced {done['applied']} offline scans ({done['replayed']} already there){refused}")
        return done

    def refresh_loop(self, stop_event):
        """Every minute: a fresh bundle, then the journal uploaded (while the database answers)."""
        while not stop_event.wait(REFRESH_SECONDS):
            try:
                self.offline.refresh()
            except DBAPIError:
                continue
            self.sync_offline()

    def scan_online(self, _gate, code):
        with self.lock:  # one scan at a time: one transaction, one request
            env = prepare(registry=self.registry)
            request = env["request"]
            try:
                with request.tm:  # commits the scan, or rolls it back on error
                    gate = service.find_gate(request, self.gate_code)
                    if gate is None:
                        self.out(f"DENY   gate {self.gate_code} is closed")
                        return None
                    result = scan(request.dbsession, service.scan_config(request), code, gate=gate,
                                  agent_id=self.agent_id, now=now(request), device_token_id=self.token_id)
                    data = describe(result, request.fmt)
                    bought_by = request.fmt.translate(_("Bought by"))  # the reader's words, like the reason's
            finally:
                env["closer"]()
        holder = data["holder"]["name"] if data["holder"] else "-"
        buyer = f" ({bought_by} {data['buyer']['name']})" if data["buyer"] else ""
        self.out(f"{data['verdict'].upper():<6} {holder}{buyer} — {data['reason_text']}")
        return data

    def on_status(self, _gate, status):
        self.out(f"scanner {status}")


def run_gate_reader(args):
    if args.offline_bundle and not args.token:
        raise CommandError("--offline-bundle needs --token: the bundle is sealed to the device token")
    app_settings(args.ini)  # a clear error before bootstrap's traceback
    setup_logging(args.ini)
    with bootstrap(args.ini) as env:
        request = env["request"]
        with request.tm:
            gate = _gate(request, args.gate)
            token_id = None
            if args.token:
                found = tokens.live_token(request, args.token)
                if found is None or found[2].id != gate.id:
                    raise CommandError("this token is unknown, revoked, or for another gate")
                token_id, agent_id = found[0].id, found[1].id
            else:
                agent_id = _agent(request, args.agent).id
            gate_code = gate.code
        if args.port == "auto" and serial_reader.find_scanner_port() is None:
            say("NO SCANNER FOUND: plug a USB scanner set to serial (CDC) mode, or give --port;"
                " waiting for one (Ctrl-C to stop)")
        offline = None
        if args.offline_bundle:
            offline = OfflineReader(env["registry"], gate_code, agent_id, token_id, args.token, args.offline_bundle)
            offline.refresh()
            say(f"offline bundle written to {args.offline_bundle} (refreshed every minute)")
        reader = GateReader(env["registry"], gate_code, agent_id, token_id, offline=offline)
        stop = threading.Event()
        if offline is not None:
            threading.Thread(target=reader.refresh_loop, args=(stop,), daemon=True).start()
        say(f"gate {gate_code}: reading codes from {args.port} (Ctrl-C to stop)")
        try:
            serial_reader.main_loop(args.port, gate_code, reader.on_code, reader.on_status)
        finally:
            stop.set()


def run_anomaly_alerts(args):
    with app_request(args.ini) as request:
        sent = figures.send_alerts(request)
    print(f"{sent} anomaly alert(s) e-mailed to the managers")


def add_commands(sub):
    p = sub.add_parser("gates", help="list the gates with their venue")
    p.add_argument("ini")
    p.set_defaults(run=run_gates)
    p = sub.add_parser("gate-token", help="make a device token for one gate and one agent (printed once)")
    p.add_argument("ini")
    p.add_argument("--agent", required=True, help="the agent's e-mail address")
    p.add_argument("--gate", required=True, help="the gate's code (see: olympix gates)")
    p.add_argument("--label", default="", help="which device, e.g. 'lane 3 tablet'")
    p.set_defaults(run=run_gate_token)
    p = sub.add_parser("gate-tokens", help="list the device tokens: gate, agent, created, revoked")
    p.add_argument("ini")
    p.set_defaults(run=run_gate_tokens)
    p = sub.add_parser("gate-token-revoke", help="revoke a device token (see: olympix gate-tokens)")
    p.add_argument("ini")
    p.add_argument("token_id", type=int, help="the token's id, as gate-tokens lists it")
    p.set_defaults(run=run_gate_token_revoke)
    p = sub.add_parser("anomaly-alerts", help="e-mail the managers about today's anomalies over their "
                       "threshold, once per kind and day (cron)")
    p.add_argument("ini")
    p.set_defaults(run=run_anomaly_alerts)
    p = sub.add_parser("gate-reader", help="scan codes from a serial (USB CDC) barcode scanner")
    p.add_argument("ini")
    p.add_argument("--gate", required=True)
    p.add_argument("--port", default="auto", help="/dev/ttyACM0, COM3, or auto (find a known scanner)")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--agent", help="scan as this agent (default: the first active agent)")
    who.add_argument("--token", help="scan with this device token")
    p.add_argument("--offline-bundle", metavar="FILE",
                   help="keep the gate's offline bundle in FILE and judge from it when the database does not "
                        "answer (needs --token); the journal goes in FILE.journal and syncs when it answers")
    p.set_defaults(run=run_gate_reader)
