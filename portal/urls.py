"""Every page a patient opens (portal/pages/), and the staff invitation that opens the portal."""

from django.urls import include, path

from portal import staff
from portal.pages import (
    appointments,
    booking,
    history,
    home,
    log,
    previsit,
    rehab,
    reminders,
    running,
    safety,
    videos,
    waitlist,
    welcome,
)

app_name = "portal"

appointment_patterns = [
    path("", appointments.appointment_list, name="list"),
    path("<uuid:public_id>/cancel/", appointments.appointment_cancel, name="cancel"),
]

booking_patterns = [
    path("", booking.start, name="start"),
    path("confirm/", booking.confirm, name="confirm"),
    path("move/<uuid:public_id>/", booking.move, name="move"),
    path("move/<uuid:public_id>/confirm/", booking.move_confirm, name="move_confirm"),
]

reminder_patterns = [
    path("", reminders.reminder_settings, name="settings"),
    path("<uuid:public_id>/", reminders.reminder_update, name="update"),
    path("unsubscribe/<str:token>/", reminders.unsubscribe, name="unsubscribe"),
]

waitlist_patterns = [
    path("", waitlist.waitlist, name="home"),
    path("<uuid:public_id>/leave/", waitlist.leave, name="leave"),
    path("offers/<str:token>/", waitlist.offer, name="offer"),
    path("offers/<str:token>/answer/", waitlist.answer, name="answer"),
]

urlpatterns = [
    path("", home.home, name="home"),
    path("exercises/<str:code>/picture/", home.exercise_illustration, name="illustration"),
    path("exercises/<str:code>/video/", videos.exercise_video, {"part": "video"}, name="video"),
    path(
        "exercises/<str:code>/video/poster/",
        videos.exercise_video,
        {"part": "poster"},
        name="video_poster",
    ),
    path(
        "exercises/<str:code>/video/captions/",
        videos.exercise_video,
        {"part": "captions"},
        name="video_captions",
    ),
    path("log/", log.session_log, name="log"),
    path("safety/", safety.safety_card, name="safety"),
    path("safety/<uuid:public_id>/", safety.safety_log, name="safety_log"),
    path("history/", history.history, name="history"),
    path("history/<uuid:public_id>/", history.history_detail, name="history_detail"),
    path("previsit/", previsit.previsit, name="previsit"),
    path("recovery/", rehab.overview, name="rehab"),
    path("recovery/summaries/<uuid:public_id>/", rehab.discharge_summary, name="discharge_summary"),
    path("running/", running.programme, name="running"),
    path("running/log/", running.run_log, name="running_log"),
    path("running/runs/<uuid:public_id>/morning/", running.run_morning, name="running_morning"),
    path("appointments/", include((appointment_patterns, "appointments"))),
    path("book/", include((booking_patterns, "booking"))),
    path("reminders/", include((reminder_patterns, "reminders"))),
    path("waitlist/", include((waitlist_patterns, "waitlist"))),
    path("welcome/<str:token>/", welcome.welcome, name="welcome"),
    path("invite/<uuid:patient_id>/", staff.invite, name="invite"),
]
