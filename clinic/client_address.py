"""The address a request came from, behind TRUSTED_PROXY_COUNT reverse proxies.

One answer for everything that records or counts client addresses: django-axes uses it for
login lockout (AXES_CLIENT_IP_CALLABLE) and the audit trail for its `ip_address`.

With no trusted proxy the socket's address (REMOTE_ADDR) is the client, and X-Forwarded-For
is ignored: anyone can write that header. Behind N proxies, each proxy appends the address it
received the request from, so the client is the N-th entry from the right of the header (the
nearest proxy is REMOTE_ADDR itself and is not listed); entries further left were written by
the client and are never believed. Parsing is django-ipware's.
"""

from __future__ import annotations

from django.conf import settings
from ipware import get_client_ip


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies == 0:
        return remote
    address, _routable = get_client_ip(
        request,
        proxy_order="left-most",
        proxy_count=proxies - 1,  # ipware counts the proxies listed in the header
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,  # extra entries on the left are the client's own words, not an error
    )
    # No usable header (a request that did not come through the proxies): the socket's address.
    return address or remote
