"""A waitlist offer as a source for the shared reminder pipeline: one message, sent at once.

The message goes by the patient's reminder channel (email, or text message where they chose
it), with the pipeline's consent rules and its never-twice sending. It names the time and
the therapist only, and links to the offer page, whose secret token is the authority.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.urls import reverse

from bookings.places import at_place, places_to_name
from bookings.waitlist.models import WaitlistOffer
from bookings.waitlist.offers import OFFER_SOURCE
from notifications.sms_budget import sms_first_that_fits
from notifications.sources import Compose, Content, Due, ReminderSource, Skip, register


def _local(moment: dt.datetime, zone: str) -> dt.datetime:
    return moment.astimezone(ZoneInfo(zone))


class WaitlistOffers(ReminderSource):
    name = OFFER_SOURCE
    label = "Offers of earlier appointments"
    recurring = False
    default_times = ()

    def check(self, dues: list[Due]) -> list[Skip | None]:
        offers = WaitlistOffer.objects.in_bulk({due.subject_id for due in dues})
        verdicts: list[Skip | None] = []
        for due in dues:
            offer = offers.get(due.subject_id)
            if offer is None:
                verdicts.append(Skip("The offer no longer exists.", final=True))
            elif offer.state != WaitlistOffer.State.OFFERED:
                verdicts.append(Skip(f"The offer is {offer.get_state_display().lower()}.", True))
            elif offer.expires_at <= due.due_at:
                verdicts.append(Skip("The offer ran out before it could be sent.", final=True))
            else:
                verdicts.append(None)
        return verdicts

    def compose(self, *, subject_id: int, local_date: dt.date, first_name: str) -> Content:
        return self.compose_many([Compose(subject_id, local_date, first_name)])[0]

    def compose_many(self, requests: list[Compose]) -> list[Content]:
        offers = WaitlistOffer.objects.select_related("patient", "therapist", "room").in_bulk(
            {request.subject_id for request in requests}
        )
        places = places_to_name(offer.site_id for offer in offers.values())
        contents = []
        for request in requests:
            offer = offers.get(request.subject_id)
            if offer is None:
                raise WaitlistOffer.DoesNotExist(f"No offer {request.subject_id}")
            zone = offer.patient.time_zone
            start, until = _local(offer.start, zone), _local(offer.expires_at, zone)
            when = f"{start:%A %-d %B} at {start:%H:%M}"
            held = f"{until:%H:%M} on {until:%A %-d %B}"
            place = places.get(offer.site_id)
            items = [
                ("With", offer.therapist.get_full_name() or "a physiotherapist"),
                ("Length", f"{offer.duration_minutes} minutes"),
            ]
            if place is not None:
                items.insert(0, ("Where", place.line))
            action_path = reverse("portal:waitlist:offer", args=[offer.token])
            contents.append(
                Content(
                    subject="An earlier appointment has come free",
                    intro=(
                        f"You are on our waiting list, and an appointment on {when}"
                        f"{f' at {place.name}' if place else ''} has come "
                        f"free. We are keeping it for you until {held}. If someone else on "
                        "the list takes it first, the page will tell you."
                    ),
                    items=items,
                    action_label="Take this appointment",
                    action_path=action_path,
                    sms=sms_first_that_fits(
                        [
                            f"Apex Clinic: an appointment on {when}{at} has come free for you. "
                            f"It is yours if you take it by {until:%H:%M}:"
                            for at in at_place(place)
                        ],
                        action_path=action_path,
                    ),
                )
            )
        return contents

    def describe(self, subject_ids: list[int]) -> dict[int, str]:
        rows = WaitlistOffer.objects.filter(pk__in=subject_ids).values_list("pk", "start")
        return {pk: f"Offer of an appointment on {start:%-d %b %Y}" for pk, start in rows}


register(WaitlistOffers())
