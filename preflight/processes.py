"""Every process the gate starts, so that none outlives it: each child leads a process group of its own
(its children, e.g. a program's ``subprocess`` calls, belong to it), and the whole group is killed when
the gate ends, normally, on an error, at its time limit, on Ctrl-C or SIGTERM. On Linux a child is also
told to die with the gate (``PR_SET_PDEATHSIG``, through ``setpriv``) should the gate itself be killed."""
from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from typing import Optional

_children: list[subprocess.Popen] = []
stopping = threading.Event()
"""Set when the gate's time limit ends the run: the run's own error messages are then left unsaid."""
_lock = threading.Lock()


_SETPRIV = shutil.which("setpriv") if sys.platform.startswith("linux") else None


def start(command: list[str], **kwargs) -> subprocess.Popen:
    """``subprocess.Popen`` in a new session and process group, remembered for :func:`kill_all`.

    Where util-linux's ``setpriv`` exists the child is started through it with ``--pdeathsig KILL``, so
    it dies with the gate even if the gate is killed outright. (Not with ``preexec_fn``: forking with
    gRPC's threads running runs gRPC's fork handlers in the child, which can abort it.)"""
    if _SETPRIV:
        command = [_SETPRIV, "--pdeathsig", "KILL", "--", *command]
    process = subprocess.Popen(command, start_new_session=True, **kwargs)
    with _lock:
        _children.append(process)
    return process


def kill(process: Optional[subprocess.Popen], grace: float = 0.0) -> None:
    """End ``process`` and its whole process group (SIGTERM, then SIGKILL after ``grace`` seconds)."""
    if process is None:
        return
    group = process.pid  # a session leader: its process group has its pid, and outlives it
    for sig in ((signal.SIGTERM, signal.SIGKILL) if grace else (signal.SIGKILL,)):
        try:
            os.killpg(group, sig)
        except (ProcessLookupError, PermissionError):
            pass
        if sig == signal.SIGTERM:
            deadline = time.monotonic() + grace
            while process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def kill_all() -> None:
    with _lock:
        children = list(_children)
        _children.clear()
    for process in children:
        kill(process)


atexit.register(kill_all)
