"""What every page shows a signed-in patient, whichever app drew it."""

from __future__ import annotations

import functools

from assessments.panels import patient_red_flag_notice
from assessments.selectors import open_red_flags_for_portal_user
from clinic.access import PATIENTS, has_role


def red_flag_notice(request) -> dict:
    """`red_flag_notice`: while the signed-in patient has an open confirmed red-flag referral,
    what to do, how soon and the clinic's number (SPEC 3.9b, amendment 26); else None.

    Read when the page draws it (base.html does, at the top), one query, never cached: a page
    must not show yesterday's answer. Staff and visitors cost nothing."""
    user = getattr(request, "user", None)
    if user is None or not has_role(user, PATIENTS):
        return {"red_flag_notice": None}

    @functools.cache
    def notice():
        return patient_red_flag_notice(open_red_flags_for_portal_user(user=user))

    return {"red_flag_notice": notice}
