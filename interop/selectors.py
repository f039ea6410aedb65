"""Reads of the interop app: who a bearer token speaks for."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.crypto import constant_time_compare

from clinic.access import STAFF, has_role
from interop.models import ApiToken
from interop.services import PREFIX_LENGTH, token_hash


@dataclass(frozen=True)
class TokenCheck:
    """`user` is set when the token may be used; otherwise `status` (401 or 403) and why."""

    user: object | None
    status: int = 200
    reason: str = ""


def token_check(*, raw: str) -> TokenCheck:
    """Who the bearer token `raw` speaks for (one query).

    Unknown tokens answer 401; a revoked token, or one whose owner has since left or become
    a patient, answers 403: it is known, and refused."""
    candidates = ApiToken.objects.filter(prefix=raw[:PREFIX_LENGTH]).select_related("user")
    hashed = token_hash(raw)
    token = next((t for t in candidates if constant_time_compare(t.token_hash, hashed)), None)
    if token is None:
        return TokenCheck(None, 401, "The token is not known.")
    if token.is_revoked:
        return TokenCheck(None, 403, "The token has been revoked.")
    if not has_role(token.user, STAFF):
        return TokenCheck(None, 403, "The token's account may not use the API.")
    return TokenCheck(token.user)
