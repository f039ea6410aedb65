"""The loopback cluster for tests/cluster: started once per test session by
scripts/cluster/cluster.sh, driven over HTTP (HAProxy or one gunicorn instance), SQL on the
primary, and the cluster's own scripts to stop and start its parts.

The script runs `cat` as its command, fed by this process: when the session ends (or this
process dies) its standard input closes, `cat` ends and the script stops every process.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes
from email.policy import default as default_policy
from html.parser import HTMLParser
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts" / "cluster"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def wait_for(
    predicate: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    every=0.1,
    details: Callable[[], str] = lambda: "",
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}\n{details()}")


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def pid_running(pid: int) -> bool:
    """Alive and not a zombie (a zombie has exited; only its exit status is left to collect)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@dataclass(frozen=True)
class Process:
    name: str
    pid: int
    port: int | None


def read_processes(path: Path) -> list[Process]:
    rows = []
    for line in path.read_text().splitlines():
        name, pid, port, *_ = line.split()
        rows.append(Process(name, int(pid), None if port == "-" else int(port)))
    return rows


def read_env(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


class Cluster:
    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.log = open(log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.script = subprocess.Popen(
            ["bash", str(SCRIPTS / "cluster.sh"), "bash", "-c", 'echo "$CLUSTER_DIR"; exec cat'],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
        )
        line = self.script.stdout.readline().decode().strip()
        if not line:
            self.script.wait(timeout=120)
            self.log.close()
            raise RuntimeError(f"the cluster did not start:\n{self.log_path.read_text()[-6000:]}")
        self.dir = Path(line)
        self.env = read_env(self.dir / "env")
        self.url = self.env["CLUSTER_URL"]
        self.web_a = self.env["CLUSTER_WEB_A_URL"]
        self.web_b = self.env["CLUSTER_WEB_B_URL"]
        self.exit_status: int | None = None

    # --- the parts ---------------------------------------------------------------------

    def processes(self) -> list[Process]:
        """Every process started so far, the latest start of each name last."""
        return read_processes(self.dir / "processes")

    def process(self, name: str) -> Process:
        return [p for p in self.processes() if p.name == name][-1]

    def kill(self, name: str, sig=signal.SIGKILL) -> Process:
        """Send `sig` to the process group of `name`, and wait until it has gone."""
        process = self.process(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        wait_for(lambda: not pid_running(process.pid), timeout=30, what=f"{name} to stop")
        return process

    def _script(self, script: str, name: str) -> None:
        subprocess.run(
            ["bash", str(SCRIPTS / script), name],
            cwd=ROOT,
            env={**os.environ, "CLUSTER_DIR": str(self.dir)},
            check=True,
            timeout=120,
        )

    def start(self, name: str) -> Process:
        """Start `name` again, as the cluster script started it (remembered for the end)."""
        self._script("start.sh", name)
        return self.process(name)

    def stop_part(self, name: str) -> None:
        """Stop one part the way its operator would (PostgreSQL: pg_ctl; others: SIGTERM)."""
        self._script("stop.sh", name)

    def logs(self, name: str) -> str:
        path = self.dir / "logs" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- the site's data -----------------------------------------------------------------

    def action(self, name: str, *args: str) -> dict:
        """Run tests/cluster/actions.py ACTION inside the cluster's settings (on the primary)."""
        env = {
            **os.environ,
            **self.env,
            "DATABASE_URL": self.env["CLUSTER_PRIMARY_URL"],
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        done = subprocess.run(
            [sys.executable, "-m", "tests.cluster.actions", name, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr.decode()[-4000:]
        return json.loads(done.stdout.decode().strip().splitlines()[-1])

    def sql(self, query: str, params=()) -> list[tuple]:
        """Rows from the primary, straight (not through PgBouncer)."""
        import psycopg2

        with (
            contextlib.closing(psycopg2.connect(self.env["CLUSTER_PRIMARY_URL"])) as db,
            db.cursor() as cursor,
        ):
            cursor.execute(query, params)
            return cursor.fetchall()

    def mail(self) -> dict[str, list[str]]:
        """Every message the SMTP sink kept: file name -> its recipients."""
        kept = {}
        for path in Path(self.env["CLUSTER_MAIL_DIR"]).glob("*.eml"):
            head = path.read_bytes().split(b"\r\n\r\n", 1)[0].decode(errors="replace")
            kept[path.name] = re.findall(r"^X-Rcpt-To: (.+?)\r?$", head, flags=re.M)
        return kept

    @staticmethod
    def message(path: Path):
        return message_from_bytes(path.read_bytes(), policy=default_policy)

    # --- the end -------------------------------------------------------------------------

    def stop(self) -> int:
        """Close the script's input: it stops every process and removes its folder."""
        if self.exit_status is None:
            with contextlib.suppress(BrokenPipeError, OSError):
                self.script.stdin.close()
            try:
                self.exit_status = self.script.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.script.send_signal(signal.SIGTERM)
                self.exit_status = self.script.wait(timeout=60)
            self.log.close()
        return self.exit_status


# --- A browser, of sorts ------------------------------------------------------------------


class Visitor:
    """A `requests` session that signs in and posts forms with their CSRF token."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.base_url + path, timeout=30, **kwargs)

    def post(self, path: str, data: dict, *, token_from: str | None = None) -> requests.Response:
        page = self.get(token_from or path)
        match = CSRF.search(page.text)
        assert match, f"no form with a CSRF token at {token_from or path}: {page.status_code}"
        return self.session.post(
            self.base_url + path,
            data={**data, "csrfmiddlewaretoken": match.group(1)},
            headers={"Referer": self.base_url + (token_from or path)},
            timeout=30,
        )

    def sign_in(self, email: str, password: str) -> Visitor:
        answer = self.post("/accounts/login/", {"username": email, "password": password})
        assert answer.ok, answer.status_code
        assert "sessionid" in self.session.cookies, f"{email} could not sign in"
        return self

    def on(self, base_url: str) -> Visitor:
        """The same signed-in visitor, talking to another instance."""
        other = Visitor(base_url)
        other.session.cookies.update(self.session.cookies)
        return other


class FormValues(HTMLParser):
    """The values a browser would submit for the first form with a given action."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.done = False
        self.values: dict[str, str] = {}
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done and attrs.get("action", "") in (self.action, ""):
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.values[name] = attrs.get("value", "on")
            elif kind not in ("submit", "button"):
                self.values[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self.select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self.select and "selected" in attrs:
            self.values[self.select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.values[name] = ""

    def handle_data(self, data):
        if self.inside and self.textarea:
            self.values[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form" and self.inside:
            self.inside = False
            self.done = True


def form_values(html: str, action: str) -> dict[str, str]:
    parser = FormValues(action)
    parser.feed(html)
    return parser.values
