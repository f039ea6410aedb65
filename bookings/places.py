"""Where an appointment happens, as patients read it in emails, texts and calendar files.

A clinic with one site reads as it always has: messages do not name the site (it is the
clinic), and calendar files carry the clinic's name and the CLINIC_ADDRESS setting. Once the
group runs more than one active site, every message names the site and its address, so a
patient never travels to the wrong one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from clinic.sites import Site


@dataclass(frozen=True)
class Place:
    name: str
    address: str  # on one line; empty when the site has none

    @property
    def line(self) -> str:
        """ "Leeds, 3 Kirkstall Road, Leeds LS3 1AA", or the name alone."""
        return ", ".join(part for part in (self.name, self.address) if part)


def site_place(site: Site) -> Place:
    """The site's name and one-line address. The default site (the one built from the
    settings) falls back to CLINIC_ADDRESS, as calendar files did before there were sites;
    another site without an address gets none rather than the wrong one."""
    address = site.address_line
    if not address and site.is_default:
        address = ", ".join(
            part.strip() for part in settings.CLINIC_ADDRESS.splitlines() if part.strip()
        )
    return Place(name=site.name, address=address)


def places_to_name(site_ids: Iterable[int]) -> dict[int, Place]:
    """The places messages should name, by site id: every one of `site_ids` when the group
    has more than one active site (or one of them is closed), none in a one-site clinic.
    One query, whatever the number of ids."""
    wanted = set(site_ids)
    sites = list(
        Site.objects.filter(Q(pk__in=wanted) | Q(is_active=True)).only(
            "name", "address", "is_active", "is_default"
        )
    )
    active = [site for site in sites if site.is_active]
    if len(active) <= 1 and all(site.is_active for site in sites if site.pk in wanted):
        return {}
    return {site.pk: site_place(site) for site in sites if site.pk in wanted}


def short_name(name: str, limit: int = 30) -> str:
    """A long place name cut at a word to at most `limit` characters, with "..." (GSM-7
    has no ellipsis character)."""
    if len(name) <= limit:
        return name
    cut = name[: limit - 3].rsplit(" ", 1)[0].rstrip(" ,.-") or name[: limit - 3]
    return f"{cut}..."


def at_place(place: Place | None) -> list[str]:
    """ " at <place>" wordings for a text, fullest first (name and address, the name, a
    shortened name) and ending with none, for `sms_first_that_fits` to choose from."""
    if place is None:
        return [""]
    return [f" at {place.line}", f" at {place.name}", f" at {short_name(place.name)}", ""]
