"""Apps plug into panels, demo data and reminder sources by having the module, never by a list."""

from pathlib import Path

import pytest
from django.apps import apps

from clinic.plugins import plugin_modules
from notifications.sources import all_sources

ROOT = Path(__file__).resolve().parents[2]


def apps_with(name: str) -> list[str]:
    """Installed project apps (in INSTALLED_APPS order) that have `<app>/<name>.py` on disk."""
    return [
        config.name
        for config in apps.get_app_configs()
        if config.name != "clinic" and (ROOT / config.name / f"{name}.py").is_file()
    ]


@pytest.mark.parametrize("name", ["panels", "demo", "reminders"])
def test_it_finds_every_app_that_has_the_module(name):
    found = [module.__name__.removesuffix(f".{name}") for module in plugin_modules(name)]
    assert found == apps_with(name)
    assert found, f"no app has {name}.py: the test would prove nothing"


def test_it_registers_the_reminder_sources_of_every_app_that_has_them():
    owners = {type(source).__module__.split(".")[0] for source in all_sources()}
    assert owners >= set(apps_with("reminders"))


def test_it_leaves_out_a_library_module_of_the_same_name():
    # django.contrib.admin has no `panels`, but `forms` exists in several installed libraries.
    found = {module.__name__ for module in plugin_modules("forms")}
    assert "django.contrib.auth.forms" not in found
    assert "patients.forms" in found
