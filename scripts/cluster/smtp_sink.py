"""An SMTP server on loopback for scripts/cluster/cluster.sh: accepts every message and keeps
each one as a file (FOLDER/<n>.eml, written whole, then renamed), so a test in another process
can count what arrived and to whom.

    python scripts/cluster/smtp_sink.py PORT FOLDER

A test may ask it to kill a worker at the worst moment for duplicates: FOLDER/kill holding
"COUNT PGID" makes it send SIGKILL to process group PGID once it has kept COUNT messages, after
keeping that message and before answering "250" (the worker dies not knowing it was accepted).
It then renames the file to FOLDER/killed.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import sys
import threading
from pathlib import Path

from aiosmtpd.controller import Controller


class Keeper:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.numbers = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        with self.lock:
            number = next(self.numbers)
        path = self.folder / f"{os.getpid()}-{number:07d}.eml"
        part = path.with_suffix(".part")
        recipients = "".join(f"X-Rcpt-To: {to}\r\n" for to in envelope.rcpt_tos).encode()
        part.write_bytes(recipients + envelope.original_content)
        part.rename(path)
        self.kill_if_asked()
        return "250 Message accepted"

    def kill_if_asked(self) -> None:
        order = self.folder / "kill"
        with self.lock:
            if not order.exists():
                return
            count, pgid = (int(word) for word in order.read_text().split())
            if sum(1 for _ in self.folder.glob("*.eml")) < count:
                return
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            order.rename(self.folder / "killed")


def main() -> None:
    port, folder = int(sys.argv[1]), Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(Keeper(folder), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
