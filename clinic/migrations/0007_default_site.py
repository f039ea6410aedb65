"""Every installation starts as one group with one site, built from the CLINIC_* settings."""

from django.conf import settings
from django.db import migrations


def create_default_site(apps, schema_editor):
    ClinicGroup = apps.get_model("clinic", "ClinicGroup")
    Site = apps.get_model("clinic", "Site")
    if Site.objects.exists():
        return
    group = ClinicGroup.objects.create(name="Apex Clinic")
    Site.objects.create(
        group=group,
        name="Apex Clinic",
        slug="main",
        address=getattr(settings, "CLINIC_ADDRESS", ""),
        phone=getattr(settings, "CLINIC_PHONE", ""),
        email=getattr(settings, "CLINIC_EMAIL", ""),
        time_zone=settings.TIME_ZONE,
        holiday_region=getattr(settings, "CLINIC_HOLIDAYS", ""),
        is_default=True,
    )


class Migration(migrations.Migration):
    dependencies = [("clinic", "0006_clinic_groups_and_sites")]

    operations = [migrations.RunPython(create_default_site, migrations.RunPython.noop)]
