"""Reads for the portal app's own records: the invitations that open a patient's portal."""

from __future__ import annotations

from portal.models import Invitation

RECENT_INVITATIONS = 5


def invitations_recent(*, patient) -> list[Invitation]:
    """The patient's latest invitations with who sent them, newest first (one query)."""
    return list(
        Invitation.objects.filter(patient=patient).select_related("created_by")[:RECENT_INVITATIONS]
    )
