"""Keep schedules in step with the patient record: reminders follow the patient's time zone.

Connected when the app starts. One indexed query per patient save when nothing changed.
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from notifications.models import ReminderSchedule
from notifications.services import schedules_follow_time_zone
from patients.models import Patient


@receiver(post_save, sender=Patient, dispatch_uid="notifications.patient_saved")
def _patient_saved(sender, instance: Patient, created: bool, **kwargs) -> None:
    if created:
        return
    stale = list(
        ReminderSchedule.objects.filter(patient_id=instance.pk).exclude(
            time_zone=instance.time_zone
        )
    )
    if stale:
        schedules_follow_time_zone(schedules=stale, time_zone=instance.time_zone)
