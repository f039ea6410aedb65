"""A local HTTP server that speaks the part of Twilio's REST API the site uses, for tests.

The site's real Twilio backend and Twilio's own Python library talk to it over HTTP (the
backend's TWILIO_API_BASE_URL routes the SDK here), so nothing in the product is replaced.

- POST /2010-04-01/Accounts/{sid}/Messages.json with HTTP Basic auth: answers 201 with a
  message resource (sid "SM…", status "queued") as Twilio does, or 401 (error 20003).
- `fail(attempt, to)` decides each request's failure on demand: an HTTP status with a Twilio
  error code (503 outage, 400/21211 invalid number, 400/21610 unsubscribed recipient), or
  "drop" (the message is kept but the connection closes with no answer).
- `on_accept(count)` runs after a message is kept and before its 201 answer (the moment a
  sender may die having handed a message over that it never hears about).
- Status callbacks go to the request's StatusCallback URL, signed with X-Twilio-Signature
  computed as Twilio documents it (HMAC-SHA1 of the URL followed by each POST field name and
  value sorted by name, base64), with the outcome `outcome(to)` decides.
- `inbound(url, from_, body)` plays a patient's text to the site's webhook, signed the same
  way, and keeps the TwiML reply's messages as texts sent.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode
from urllib.request import Request, urlopen

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
CLINIC_NUMBER = "+441234567890"
MESSAGING_SERVICE_SID = "MG" + "0" * 31 + "2"

Failure = tuple[int, int, str] | str | None


def twilio_signature(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """X-Twilio-Signature for a form POST, as Twilio computes it."""
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signed_post(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> tuple[int, str]:
    """POST the form to the site as Twilio would; returns (status, body)."""
    request = Request(  # noqa: S310 (loopback only)
        url,
        data=urlencode(params).encode(),
        headers={
            "X-Twilio-Signature": twilio_signature(url, params, token),
            "Content-Type": "application/x-www-form-urlencoded",
        },
        method="POST",
    )
    try:
        with urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except Exception as exc:  # urllib raises HTTPError for 4xx/5xx
        status = getattr(exc, "code", 0)
        return status, ""


@dataclass
class Sent:
    sid: str
    to: str
    body: str
    sender: str
    status_callback: str = ""


@dataclass
class FakeTwilio:
    fail: Callable[[int, str], Failure] = lambda attempt, to: None
    on_accept: Callable[[int], None] = lambda count: None
    outcome: Callable[[str], tuple[str, str]] = lambda to: ("delivered", "")
    callbacks: bool = True
    messages: list[Sent] = field(default_factory=list)
    replies: list[Sent] = field(default_factory=list)
    attempts: int = 0
    # (number, time.monotonic()) of every request to send, accepted or not.
    tried: list[tuple[str, float]] = field(default_factory=list)
    auth: list[tuple[str, str]] = field(default_factory=list)
    callback_results: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- the API ---------------------------------------------------------------------

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        prefix, suffix = f"/2010-04-01/Accounts/{ACCOUNT_SID}/", "Messages.json"
        length = int(handler.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(handler.rfile.read(length).decode()).items()}
        if handler.command != "POST" or path != prefix + suffix:
            return self._error(handler, 404, 20404, "The requested resource was not found")
        user, password = self._basic(handler)
        if (user, password) != (ACCOUNT_SID, AUTH_TOKEN):
            return self._error(handler, 401, 20003, "Authenticate")
        to = form.get("To", "")
        with self.lock:
            self.attempts += 1
            self.tried.append((to, time.monotonic()))
            self.auth.append((user, password))
            failure = self.fail(self.attempts, to)
            sent = Sent(
                sid="SM" + uuid.uuid4().hex,
                to=to,
                body=form.get("Body", ""),
                sender=form.get("From") or form.get("MessagingServiceSid", ""),
                status_callback=form.get("StatusCallback", ""),
            )
            if failure is None or failure == "drop":
                self.messages.append(sent)
            accepted = len(self.messages)
        if failure is None:
            self.on_accept(accepted)
        if failure == "drop":
            handler.close_connection = True
            handler.connection.shutdown(2)  # accepted, but the answer never arrives
            return None
        if failure is not None:
            status, code, message = failure
            return self._error(handler, status, code, message)
        with contextlib.suppress(OSError):  # the sender may have died meanwhile
            self._json(handler, 201, self._resource(sent, "queued"))
        if self.callbacks and sent.status_callback:
            threading.Thread(target=self._report, args=(sent,), daemon=True).start()
        return None

    @staticmethod
    def _basic(handler) -> tuple[str, str]:
        header = handler.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return "", ""
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user, password

    @staticmethod
    def _resource(sent: Sent, status: str) -> dict:
        return {
            "sid": sent.sid,
            "account_sid": ACCOUNT_SID,
            "to": sent.to,
            "from": CLINIC_NUMBER,
            "messaging_service_sid": MESSAGING_SERVICE_SID,
            "body": sent.body,
            "status": status,
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "price": None,
            "error_code": None,
            "error_message": None,
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sent.sid}.json",
        }

    @staticmethod
    def _json(handler, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _error(self, handler, status: int, code: int, message: str) -> None:
        self._json(
            handler,
            status,
            {
                "code": code,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            },
        )

    def _report(self, sent: Sent) -> None:
        final, code = self.outcome(sent.to)
        for status in ("sent", final):
            params = {
                "AccountSid": ACCOUNT_SID,
                "From": CLINIC_NUMBER,
                "To": sent.to,
                "MessageSid": sent.sid,
                "SmsSid": sent.sid,
                "MessageStatus": status,
                "SmsStatus": status,
                "ApiVersion": "2010-04-01",
            }
            if code and status == final:
                params["ErrorCode"] = code
            result, _ = signed_post(sent.status_callback, params)
            with self.lock:
                self.callback_results.append(result)

    # --- helpers for tests -------------------------------------------------------------

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def gaps(self, to: str) -> list[float]:
        """Seconds between one number's successive requests to send."""
        with self.lock:
            times = [at for number, at in self.tried if number == to]
        return [later - earlier for earlier, later in itertools.pairwise(times)]

    def inbound(self, url: str, *, from_: str, body: str, sid: str | None = None) -> int:
        """A text from `from_` to the clinic's number, delivered to the site's webhook."""
        params = {
            "AccountSid": ACCOUNT_SID,
            "MessageSid": sid or "SM" + uuid.uuid4().hex,
            "From": from_,
            "To": CLINIC_NUMBER,
            "Body": body,
            "NumMedia": "0",
        }
        status, twiml = signed_post(url, params)
        if status == 200 and twiml:
            for element in ET.fromstring(twiml).iter("Message"):  # noqa: S314 (our own site)
                with self.lock:
                    self.replies.append(Sent("SM" + uuid.uuid4().hex, from_, element.text, ""))
        return status


class _Handler(BaseHTTPRequestHandler):
    fake: FakeTwilio

    def do_POST(self):
        self.fake.handle(self)

    do_GET = do_POST  # noqa: N815

    def log_message(self, *args) -> None:  # quiet
        pass


class FakeTwilioServer:
    def __init__(self, fake: FakeTwilio) -> None:
        handler = type("Handler", (_Handler,), {"fake": fake})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # a dropped answer is the point
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeTwilioServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def provider_env(url: str, webhook_base: str) -> dict[str, str]:
    """The site's settings (environment variables) for talking to the fake at `url`."""
    return {
        "REMINDER_SMS_BACKEND": "notifications.sms.TwilioSmsBackend",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_MESSAGING_SERVICE_SID": MESSAGING_SERVICE_SID,
        "TWILIO_API_BASE_URL": url,
        "TWILIO_WEBHOOK_BASE_URL": webhook_base,
        "TWILIO_TIMEOUT_SECONDS": "3",
    }
