"""An SMTP server on loopback for scripts/cluster/cluster.sh: accepts every message and keeps
each one as a file (FOLDER/<n>.eml, written whole, then renamed), so a test in another process
can count what arrived and to whom.

    python scripts/cluster/smtp_sink.py PORT FOLDER
"""

from __future__ import annotations

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
        return "250 Message accepted"


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
