"""``olympix gate-reader --offline-bundle FILE``: a serial reader that keeps scanning without the database.

While the database answers, the reader rebuilds its gate's bundle every
minute (``offline.build``) and keeps it in FILE, sealed to its device token
(the same as ``GET /api/gate/bundle`` answers, so FILE may also be fetched
with ``curl -H "Authorization: Bearer …"``). When a scan cannot reach the
database, the verdict comes from the bundle, says "hors ligne", and goes in
FILE.journal (one JSON line per scan, with its nonce); the journal is
uploaded through ``sync.apply`` (as ``POST /api/gate/sync``) as soon as the
database answers again. Entries the sync refuses (older than it takes) are
kept apart in FILE.journal.refused, for a supervisor, rather than retried
at every scan.
"""
import json
import os
import secrets
import tempfile
import threading
from datetime import datetime, timezone

from pyramid.scripting import prepare

from . import offline, sync
from . import services as service

REFRESH_SECONDS = 60
UNREADABLE = "not a journal entry (an unreadable line)"


class OfflineReader:
    """The bundle file and the journal of one gate's reader."""

    def __init__(self, registry, gate_code, agent_id, token_id, token, path):
        self.registry, self.gate_code, self.agent_id, self.token_id = registry, gate_code, agent_id, token_id
        self.key, self.path, self.journal_path = offline.device_key(token), path, path + ".journal"
        self.bundle = None
        self.lock = threading.Lock()

    def _in_request(self, fn):
        env = prepare(registry=self.registry)
        try:
            with env["request"].tm:
                return fn(env["request"])
        finally:
            env["closer"]()

    def refresh(self):
        """A fresh bundle from the database, written to the file (atomically)."""
        def build(request):
            gate = service.find_gate(request, self.gate_code)
            return offline.build(request, gate) if gate is not None else None

        bundle = self._in_request(build)
        if bundle is None:
            return None
        folder = os.path.dirname(os.path.abspath(self.path))
        with tempfile.NamedTemporaryFile("w", dir=folder, delete=False, suffix=".tmp") as out:
            json.dump(offline.seal(bundle, self.key), out)
        os.replace(out.name, self.path)
        self.bundle = bundle
        return bundle

    def load(self):
        """The bundle kept in the file (when the database is out at start); BundleError if unusable."""
        try:
            with open(self.path, encoding="utf-8") as fh:
                self.bundle = offline.open_sealed(json.load(fh), self.key)
        except (OSError, ValueError) as exc:
            raise offline.BundleError(f"cannot read the bundle {self.path}: {exc}") from exc
        return self.bundle

    def journal(self):
        """The journal's entries. A line that is not one (torn by a power cut, a full disk) is set apart.

        It goes to FILE.journal.refused with the reason, and the journal is
        rewritten without it: one bad line must not stop the reader judging
        offline, syncing, or refreshing its bundle.
        """
        try:
            with open(self.journal_path, encoding="utf-8", errors="replace") as fh:
                lines = [line for line in fh if line.strip()]
        except FileNotFoundError:
            return []
        entries, unreadable = [], []
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                entry = None
            if isinstance(entry, dict):
                entries.append(entry)
            else:
                unreadable.append(line)
        if unreadable:
            with open(self.journal_path + ".refused", "a", encoding="utf-8") as fh:
                fh.writelines(json.dumps({"line": line.rstrip("\n"), "refused": UNREADABLE}) + "\n"
                              for line in unreadable)
            self._keep(entries)
        return entries

    def judge(self, code, at=None):
        """The offline verdict of ``code``, written to the journal."""
        if self.bundle is None:
            self.load()
        at = at or datetime.now(timezone.utc)
        with self.lock:
            admitted = {e["serial"] for e in self.journal() if e["verdict"] == "admit" and e.get("serial")}
            answer = offline.verdict(self.bundle, code, at, admitted)
            entry = {"nonce": secrets.token_hex(12), "code": code.strip(), "at": at.isoformat(),
                     "verdict": answer["verdict"], "reason": answer["reason"], "serial": answer["serial"]}
            with open(self.journal_path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry) + "\n")
        return answer

    def sync(self):
        """Upload the journal (idempotent by nonce), ``sync.MAX_SCANS`` at a time, as the gate page does.

        Returns what the uploads answered, added up, or None for an empty
        journal. After each upload the journal keeps only what has not gone
        up yet: a database lost in the middle leaves the rest for the next sync.
        """
        with self.lock:
            entries = self.journal()
            if not entries:
                return None
            total = {"applied": 0, "replayed": 0, "results": [], "refused": []}
            while entries:
                batch = entries[:sync.MAX_SCANS]
                answer = self._in_request(lambda request: self._upload(request, batch))
                self._set_apart(batch, answer["refused"])
                entries = entries[len(batch):]
                self._keep(entries)
                for key in total:
                    total[key] += answer[key]
            return total

    def _upload(self, request, batch):
        gate = service.find_gate(request, self.gate_code)
        if gate is None:
            raise offline.BundleError(f"the gate {self.gate_code} is closed or unknown: the journal stays in "
                                      f"{self.journal_path}")
        return sync.apply(request, gate, sync.parse(request, {"scans": batch}), agent_id=self.agent_id,
                          device_token_id=self.token_id)

    def _set_apart(self, batch, refused):
        if refused:
            with open(self.journal_path + ".refused", "a", encoding="utf-8") as fh:
                fh.writelines(json.dumps({**batch[r["index"]], "refused": r["error"]}) + "\n" for r in refused)

    def _keep(self, entries):
        """The journal rewritten with ``entries`` only (atomically), or removed when none is left."""
        if not entries:
            os.remove(self.journal_path)
            return
        folder = os.path.dirname(os.path.abspath(self.journal_path))
        with tempfile.NamedTemporaryFile("w", dir=folder, delete=False, suffix=".tmp", encoding="utf-8") as out:
            out.writelines(json.dumps(entry) + "\n" for entry in entries)
        os.replace(out.name, self.journal_path)
