"""Typed readers for settings that come from the environment.

Every reader fails loudly, naming the variable, when a value is malformed: a typo in
production configuration must stop start-up rather than silently fall back to a default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class EnvReader:
    """Reads variables from a mapping (the process environment by default)."""

    def __init__(self, source: Mapping[str, str] | None = None) -> None:
        self.source = os.environ if source is None else source

    def raw(self, name: str) -> str | None:
        value = self.source.get(name)
        if value is None or value.strip() == "":
            return None
        return value.strip()

    def bool(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a boolean: use one of true/false, yes/no, on/off, 1/0."
        )

    def int(self, name: str, default: int, *, minimum: int | None = None) -> int:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
        return number

    def str(self, name: str, default: str = "") -> str:
        value = self.raw(name)
        return default if value is None else value

    def list(self, name: str, default: list[str]) -> list[str]:
        value = self.raw(name)
        if value is None:
            return default
        return [item.strip() for item in value.split(",") if item.strip()]

    def time_zone(self, name: str, default: str) -> str:
        value = self.raw(name) or default
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ImproperlyConfigured(f"{name}={value!r} is not an IANA time zone.") from None
        return value

    def database(self, name: str, default: dict) -> dict:
        value = self.raw(name)
        if value is None:
            return default
        try:
            config = environ.Env.db_url_config(value)
        except Exception as exc:  # django-environ raises several types for bad URLs
            raise ImproperlyConfigured(f"{name} is not a valid database URL: {exc}") from None
        if "." not in config.get("ENGINE", ""):  # unknown schemes come back as a bare word
            raise ImproperlyConfigured(f"{name} names an unsupported database scheme.")
        return config

    def email(self, name: str) -> dict | None:
        value = self.raw(name)
        if value is None:
            return None
        try:
            config = environ.Env.email_url_config(value)
        except Exception as exc:
            raise ImproperlyConfigured(f"{name} is not a valid email URL: {exc}") from None
        if not config.get("EMAIL_BACKEND"):
            raise ImproperlyConfigured(f"{name} names an unsupported email scheme.")
        return config

    def url(self, name: str, default: str, *, schemes: tuple[str, ...]) -> str:
        value = self.raw(name) or default
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in schemes:
            raise ImproperlyConfigured(
                f"{name}={value!r} must be a URL starting with one of: "
                + ", ".join(f"{s}://" for s in schemes)
            )
        return value
