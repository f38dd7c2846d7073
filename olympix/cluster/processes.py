"""Start processes detached, record their pids, find them again, stop them.

A pid file alone is not proof: after a reboot or a crash the number may
belong to another program. A process counts as ours only while its command
line still contains the marker it was started with (its config file, its
port), so ``down`` never signals a stranger.
"""
import os
import signal
import subprocess
import time


def read_pid(pidfile):
    try:
        with open(pidfile) as fh:
            return int(fh.read().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def state(pid):
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def alive(pid, marker):
    """True if ``pid`` runs, is not a zombie, and was started with ``marker``."""
    return bool(pid) and state(pid) not in (None, "Z") and marker in cmdline(pid)


def running(pidfile, marker):
    """The pid recorded in ``pidfile`` if that process is still ours and alive."""
    pid = read_pid(pidfile)
    return pid if alive(pid, marker) else None


def write_pid(pidfile, pid):
    with open(pidfile, "w") as fh:
        fh.write(f"{pid}\n")


def start(args, pidfile, log, env=None, cwd=None):
    """Start ``args`` in a session of its own, output to ``log``; records and returns its pid."""
    with open(log, "ab") as out:
        process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                   env=env, cwd=cwd, start_new_session=True)
    write_pid(pidfile, process.pid)
    return process


def stop(pidfile, marker, timeout=30.0, sig=signal.SIGTERM):
    """Stop our process of ``pidfile`` (``sig``, then SIGKILL after ``timeout``); True if one was running."""
    pid = running(pidfile, marker)
    if pid is None:
        _remove(pidfile)
        return False
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + timeout
    while alive(pid, marker) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.1)
    if alive(pid, marker):
        try:
            os.killpg(pid, signal.SIGKILL)  # the session leader's group: helpers too
        except (ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
        while alive(pid, marker):
            _reap(pid)
            time.sleep(0.05)
    _reap(pid)
    _remove(pidfile)
    return True


def kill(pidfile, marker):
    """SIGKILL, no warning (the drills' server death). Returns the pid killed, or None."""
    pid = running(pidfile, marker)
    if pid is None:
        return None
    os.kill(pid, signal.SIGKILL)
    while alive(pid, marker):
        _reap(pid)
        time.sleep(0.02)
    _reap(pid)
    return pid


def _reap(pid):
    """Collect the exit status when the process is our own child (tests), so it leaves no zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _remove(pidfile):
    try:
        os.unlink(pidfile)
    except FileNotFoundError:
        pass
