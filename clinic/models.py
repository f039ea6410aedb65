"""Clinic-wide models: the user with a role, and the abstract base every domain model uses."""

from __future__ import annotations

import uuid

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class TimeStampedModel(models.Model):
    """Created/updated timestamps and a public UUID: the only identifier that appears in URLs."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        extra.setdefault("role", User.Role.THERAPIST)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str):
        # Email addresses are matched case-insensitively at login.
        return self.get(email__iexact=username)


class User(AbstractUser):
    """A person who can log in. Email is the login; the role decides what they may see."""

    class Role(models.TextChoices):
        THERAPIST = "therapist", "Therapist"
        RECEPTION = "reception", "Reception"
        PATIENT = "patient", "Patient"

    username = None
    email = models.EmailField("email address", unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PATIENT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["therapist", "reception", "patient"]),
                name="clinic_user_role_valid",
            ),
            models.UniqueConstraint(Lower("email"), name="clinic_user_email_ci_unique"),
        ]
        indexes = [
            # The calendars' therapists (`bookings.selectors.therapists()`, on every calendar
            # view): an index scan of the few active therapists, in the order they are listed,
            # rather than a scan of every user (mostly patients). A plan kept by the server
            # uses it only where the role is written into the statement, not passed as a value.
            models.Index(
                fields=["first_name", "last_name", "email"],
                condition=models.Q(role="therapist", is_active=True),
                name="clinic_user_therapists",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def is_manager(self) -> bool:
        """The clinic manager is a superuser; they see everything, including the audit trail."""
        return self.is_superuser

    @property
    def is_therapist(self) -> bool:
        return self.role == self.Role.THERAPIST or self.is_superuser

    @property
    def is_reception(self) -> bool:
        return self.role == self.Role.RECEPTION

    @property
    def is_patient_user(self) -> bool:
        return self.role == self.Role.PATIENT and not self.is_superuser

    @property
    def is_clinic_staff(self) -> bool:
        """Therapists, reception and the manager: everyone who works at the clinic."""
        return self.is_superuser or self.role in (self.Role.THERAPIST, self.Role.RECEPTION)


#: What a user's name is made of (`User.__str__`): first and last name, else the email.
USER_NAME_FIELDS = ("first_name", "last_name", "email")


def beyond_name(relation: str) -> tuple[str, ...]:
    """For `.defer(...)`: every column of the user behind `relation` (a `select_related`
    foreign key to User) other than its key and name, when a page reads them only to say who
    did something (a password hash and a dozen flags a row otherwise)."""
    return tuple(
        f"{relation}__{field.name}"
        for field in User._meta.concrete_fields
        if not field.primary_key and field.name not in USER_NAME_FIELDS
    )


class ShownKeys(models.Func):
    """The ids of the patients an event showed among others, as its index holds them: on
    PostgreSQL the keys of `patients_shown` as a JSON array (migration 0010), elsewhere the
    object itself, whose keys `has_any_keys` tests in the same way."""

    function = "jsonb_path_query_array"
    template = "%(function)s(%(expressions)s, '$.keyvalue().key')"
    output_field = models.JSONField()

    def as_sql(self, compiler, connection, **extra_context):
        if connection.vendor != "postgresql":
            return compiler.compile(self.get_source_expressions()[0])
        return super().as_sql(compiler, connection, **extra_context)


class AuditEventQuerySet(models.QuerySet):
    def concerning(self, patient_ids) -> AuditEventQuerySet:
        """Events about any of these patients: their own (`patient`) and the requests that
        showed them among others (`patients_shown`, through the index on its keys, which
        holds only the events that have any)."""
        ids = list(patient_ids)
        if not ids:  # SQLite cannot ask whether a key is among none
            return self.none()
        keys = [str(pk) for pk in ids]
        shown = models.Q(shown_keys__has_any_keys=keys) & ~models.Q(patients_shown={})
        return self.alias(shown_keys=ShownKeys("patients_shown")).filter(
            models.Q(patient_id__in=ids) | shown
        )

    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def delete(self):
        raise PermissionError("Audit events are append-only.")


class AuditEvent(models.Model):
    """One thing someone did with patient data: append-only, never edited or deleted."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        EXPORT = "export", "Exported"
        ERASE = "erase", "Erased"
        LOGIN = "login", "Logged in"
        LOGOUT = "logout", "Logged out"
        LOGIN_FAILED = "login_failed", "Failed login"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # Every page that shows a patient writes rows here, so the two references are kept light:
    # no single-column indexes (the (x, at) indexes below serve every lookup) and no database
    # foreign key, whose check would lock the user's and each patient's row on every view.
    # Neither is ever deleted (PROTECT still guards the ORM; erasure anonymises instead).
    actor = models.ForeignKey(
        "clinic.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    patient = models.ForeignKey(
        "patients.Patient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        db_index=False,
        db_constraint=False,
    )
    path = models.CharField(max_length=500, blank=True)
    method = models.CharField(max_length=8, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    # A request that hands out several patients' data (a week's calendar, a search) is one
    # event, not one per patient: each patient's id (as text) and what of theirs was shown
    # ("app.model:public id"), with `patient` empty. Read per patient with `concerning()`
    # (a GIN index on the keys on PostgreSQL, migration 0010) and `shown()`.
    patients_shown = models.JSONField(default=dict, db_default={}, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-at"], name="clinic_audit_patient_at"),
            models.Index(fields=["actor", "-at"], name="clinic_audit_actor_at"),
            # Exact matches only: no LIKE index beside it.
            models.Index(fields=["request_id"], name="clinic_audit_request"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    action__in=[
                        "view",
                        "create",
                        "update",
                        "export",
                        "erase",
                        "login",
                        "logout",
                        "login_failed",
                    ]
                ),
                name="clinic_auditevent_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def shown(self) -> list[tuple[int, str, str]]:
        """Each patient this event is about, with what of theirs: (patient id, object type,
        object id), whichever of the two forms the event was written in."""
        if self.patient_id is not None:
            return [(self.patient_id, self.object_type, self.object_id)]
        return [
            (int(pk), *(label.split(":", 1) if ":" in label else (label, "")))
            for pk, label in self.patients_shown.items()
        ]


# Sites live in their own module; importing them here registers the models with the app.
from clinic.sites import ClinicGroup, Site, SiteOpeningHours  # noqa: E402

__all__ = ["AuditEvent", "ClinicGroup", "Site", "SiteOpeningHours", "TimeStampedModel", "User"]
