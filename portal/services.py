"""Writes for the portal: inviting a patient and accepting the invitation."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clinic.mail import transactional_connection
from clinic.models import User
from patients.models import Patient
from portal.models import Invitation

INVITATION_LIFETIME = dt.timedelta(hours=72)


def token_hash(token: str) -> str:
    """Only this is stored. Links are found by it, which is safe against timing attacks: how
    long the index lookup takes depends on the hash, and an attacker cannot choose a hash
    prefix without inverting SHA-256, so no comparison of the secret token itself can leak."""
    return hashlib.sha256(token.encode()).hexdigest()


def _portal_user_for(*, patient, email: str) -> User:
    """The patient's portal login: the linked one, an unlinked patient login, or a new one."""
    if patient.user_id:
        user = patient.user
        if not user.is_patient_user:
            raise ValidationError({"email": "This patient is linked to a staff account."})
        return user
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        # An unlinked patient login (e.g. from an archived record) can be reused; a staff
        # account or another patient's login cannot.
        if not user.is_patient_user or Patient.objects.filter(user=user).exists():
            raise ValidationError(
                {"email": "That email address already has an account; use another one."}
            )
    else:
        user = User.objects.create_user(
            email=email,
            password=None,
            role=User.Role.PATIENT,
            first_name=patient.first_name,
            last_name=patient.last_name,
        )
    patient.user = user
    patient.save(update_fields=["user", "updated_at"])
    return user


@transaction.atomic
def invitation_create(*, patient, email: str, invited_by) -> Invitation:
    """Create (or reuse) the patient's portal login and email them a one-time link.

    Earlier unused links for the patient stop working. The email goes out after commit; the
    raw token exists only in that email.
    """
    email = email.strip().lower()
    user = _portal_user_for(patient=patient, email=email)
    now = timezone.now()
    Invitation.objects.filter(patient=patient, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        patient=patient,
        user=user,
        email=user.email,
        token_hash=token_hash(token),
        expires_at=now + INVITATION_LIFETIME,
        created_by=invited_by,
    )
    link = settings.SITE_URL + reverse("portal:welcome", kwargs={"token": token})
    body = render_to_string(
        "portal/email/invitation.txt",
        {
            "patient": patient,
            "link": link,
            "hours": int(INVITATION_LIFETIME.total_seconds() // 3600),
        },
    )
    transaction.on_commit(
        lambda: send_mail(
            "Your Apex Clinic exercise portal",
            body,
            None,
            [user.email],
            connection=transactional_connection(),
        )
    )
    return invitation


def invitation_for_token(*, token: str) -> Invitation | None:
    """The invitation this link belongs to, used or not; None for a link we never sent."""
    return (
        Invitation.objects.select_related("user", "patient")
        .filter(token_hash=token_hash(token))
        .first()
    )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str) -> User:
    """Use the link once: set the password. Raises ValidationError when the link is used,
    expired, or the patient has since been archived or erased (their login stays shut)."""
    now = timezone.now()
    claimed = Invitation.objects.filter(
        pk=invitation.pk,
        used_at__isnull=True,
        expires_at__gt=now,
        patient__archived_at__isnull=True,
    ).update(used_at=now, updated_at=now)
    if not claimed:
        raise ValidationError("This link has already been used or has expired.")
    user = invitation.user
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    return user
