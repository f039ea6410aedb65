"""Writes of the interop app: making and revoking FHIR API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic import audit
from clinic.access import STAFF, has_role
from interop.models import ApiToken

PREFIX_LENGTH = 8


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, user, label: str, by) -> tuple[ApiToken, str]:
    """A new read-only token for `user` (clinic staff only: patients never get one).

    Returns the token row and the token itself, which is stored nowhere and so can be shown
    only this once. Raises ValidationError for a patient or an inactive account."""
    if not user.is_active or not has_role(user, STAFF):
        raise ValidationError(
            {"user": "API tokens are for clinic staff; patients and closed accounts get none."}
        )
    label = (label or "").strip()
    if not label:
        raise ValidationError({"label": "Say what the token is for."})
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        label=label[:100],
        prefix=raw[:PREFIX_LENGTH],
        token_hash=token_hash(raw),
        created_by=by,
    )
    audit.record("create", obj=token, user=by, detail={"api_token_for": user.email})
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, by) -> ApiToken:
    """Revoke `token` now; revoking a revoked token changes nothing. The row stays."""
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )
    token.refresh_from_db()
    if updated:
        audit.record("update", obj=token, user=by, detail={"api_token_revoked": True})
    return token
