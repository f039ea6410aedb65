"""What every page shows a signed-in patient, whichever app drew it."""

from __future__ import annotations

from assessments.panels import patient_red_flag_notice
from assessments.selectors import open_red_flags_for_portal_user, patient_confirmed_decisions
from clinic.access import PATIENTS, has_role


def red_flag_notice(request) -> dict:
    """`red_flag_notice`: while the signed-in patient has an open confirmed red-flag referral,
    what to do, how soon and the clinic's number (SPEC 3.9b, amendment 26); else None.

    Read when the page draws it (base.html does, at the top), one query, never cached: a page
    must not show yesterday's answer. Staff and visitors cost nothing. A page that reads the
    patient's decisions anyway puts `red_flag_notice_of(patient)` in its own context instead,
    which wins over this one."""
    user = getattr(request, "user", None)
    if user is None or not has_role(user, PATIENTS):
        return {"red_flag_notice": None}
    return {"red_flag_notice": _Notice(lambda: open_red_flags_for_portal_user(user=user))}


def red_flag_notice_of(patient):
    """The same notice, drawn from the patient's decisions in force
    (`patient_confirmed_decisions`, read once for the page): the portal home's condition panel
    and rehab stage read them too, so the notice costs no statement of its own there."""

    return _Notice(
        lambda: [d for d in patient_confirmed_decisions(patient=patient) if d.open_referral]
    )


def red_flag_notice_from(referrals):
    """The same notice, from the patient's open referrals a page has read with its own
    statement (`portal.selectors.open_red_flags_read`)."""

    return _Notice(lambda: referrals)


class _Notice:
    """The notice, drawn from the open referrals `referrals()` reads when the page first asks
    (a template calls it), then kept for the rest of the request: what a `functools.cache`
    closure did, without building a function wrapper on every page a patient opens."""

    __slots__ = ("_drawn", "_referrals")

    def __init__(self, referrals):
        self._referrals = referrals
        self._drawn = _NOT_DRAWN

    def __call__(self):
        if self._drawn is _NOT_DRAWN:
            self._drawn = patient_red_flag_notice(self._referrals())
        return self._drawn


_NOT_DRAWN = object()
