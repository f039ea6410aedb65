"""Anything a patient texts reaches a clinician, and an urgent text is answered at once.

The screen (exercises/text_safety.py) is table-tested with clinical cases; the rest runs
through the signed webhook, the real Twilio backend and the local Twilio server."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exercises import safety, text_safety
from exercises.models import SymptomReport
from notifications.models import ReminderSchedule, SmsInbound, SmsReply
from tests.exercises.factories import published_plan
from tests.notifications.test_sms import texting_patient
from tests.notifications.test_sms_consent import reply
from tests.patients.factories import PatientFactory

EMERGENCY, SAME_DAY = safety.EMERGENCY, safety.SAME_DAY
DASHBOARD = reverse("clinic:dashboard")
INBOX = reverse("notifications:sms_inbox")


@pytest.mark.parametrize(
    ("body", "urgency", "sign"),
    [
        ("woke up and can't feel my bum when I wipe", EMERGENCY, "saddle_numbness"),
        ("Can\u2019t feel my bottom properly since last night", EMERGENCY, "saddle_numbness"),
        ("tingling between my legs", EMERGENCY, "saddle_numbness"),
        ("I wet myself this morning without noticing", EMERGENCY, "bladder_bowel"),
        ("having trouble with my bladder since Monday", EMERGENCY, "bladder_bowel"),
        ("cant pee properly", EMERGENCY, "bladder_bowel"),
        ("both legs feel weak and tingly", EMERGENCY, "both_legs"),
        ("my legs have gone numb", EMERGENCY, "both_legs"),
        ("my foot keeps slapping when I walk", EMERGENCY, "weakness"),
        ("I can't lift my toes on the left", EMERGENCY, "weakness"),
        ("my leg gave way on the stairs", EMERGENCY, "weakness"),
        ("the numbness is spreading up my leg", EMERGENCY, "spreading_numbness"),
        ("chest pain when I breathe in", EMERGENCY, "chest"),
        ("my chest feels tight", EMERGENCY, "chest"),
        ("think I have flu, shivering", SAME_DAY, "fever_back_pain"),
        ("really short of breath walking upstairs", EMERGENCY, "chest"),
        ("my calf is red and hot and swollen", SAME_DAY, "hot_calf"),
        ("I think I've got a fever, back is sore", SAME_DAY, "fever_back_pain"),
        ("feeling really unwell and shivery", SAME_DAY, "fever_back_pain"),
        ("the pain at night is awful, I can't sleep", SAME_DAY, "night_pain"),
        ("my leg has gone numb", SAME_DAY, "new_numbness"),
        ("MY LEG HAS GONE NUMB!!!", SAME_DAY, "new_numbness"),
    ],
)
def test_it_finds_urgent_symptoms_in_a_text_and_the_right_service(body, urgency, sign):
    screening = text_safety.screen(body)
    assert screening.urgency == urgency
    assert sign in screening.codes


@pytest.mark.parametrize(
    "body",
    [
        "Running late, be there in 10",
        "can I move to Thursday",
        "Thanks! See you Tuesday",
        "Done all my exercises today, feeling good",
        "no numbness at all, just a bit stiff",
        "Did the chest stretch as well, drinking plenty of fluids",
        "",
    ],
)
def test_it_leaves_ordinary_texts_unflagged(body):
    assert text_safety.screen(body).urgency is None


def test_it_takes_the_most_urgent_speed_when_a_text_names_several():
    screening = text_safety.screen("calf is swollen and now I can't feel my bum")
    assert screening.urgency == EMERGENCY
    assert {"hot_calf", "saddle_numbness"} <= set(screening.codes)


def test_it_screens_for_every_symptom_on_the_portal_safety_card_at_the_same_speed():
    for symptom in safety.SYMPTOMS:
        assert text_safety.BY_SIGN[symptom.code].urgency == symptom.urgency


def test_it_names_999_or_ae_for_an_emergency_and_gp_or_111_for_the_same_day():
    assert "999" in text_safety.ANSWERS[EMERGENCY]
    assert "A&E" in text_safety.ANSWERS[EMERGENCY]
    assert "GP" in text_safety.ANSWERS[SAME_DAY]
    assert "111" in text_safety.ANSWERS[SAME_DAY]
    assert all(len(answer) <= 160 for answer in text_safety.ANSWERS.values())


# --- Through the webhook ---------------------------------------------------------------


@pytest.fixture
def sent_inline(monkeypatch):
    """The conversation's send task runs at once in this process instead of on a worker."""
    from notifications import conversation

    monkeypatch.setattr(
        conversation,
        "sms_reply_publish",
        lambda reply_id: conversation.sms_reply_send(reply_id=reply_id),
    )


@pytest.fixture
def patient(db):
    return texting_patient(first_name="Pat", last_name="Quinn")


@pytest.fixture
def plan(patient, therapist):
    return published_plan(therapist=therapist, patient=patient)


def text_in(client, who, body, django_capture_on_commit_callbacks, sid="SMtext1"):
    with django_capture_on_commit_callbacks(execute=True):
        response = reply(client, who, body, sid=sid)
    assert response.status_code == 200
    return SmsInbound.objects.get(provider_id=sid)


@pytest.mark.django_db
def test_it_answers_an_urgent_text_at_once_naming_the_emergency_service_and_only_once(
    client, twilio, sent_inline, patient, plan, django_capture_on_commit_callbacks
):
    body = "woke up and can't feel my bum when I wipe"
    text = text_in(client, patient, body, django_capture_on_commit_callbacks)
    # Twilio reports the same message again: nothing more is sent.
    text_in(client, patient, body, django_capture_on_commit_callbacks)

    assert text.urgency == EMERGENCY
    assert [(sent.to, "999" in sent.body, "A&E" in sent.body) for sent in twilio.messages] == [
        (str(patient.phone), True, True)
    ]
    answer = SmsReply.objects.get()
    assert (answer.kind, answer.status, answer.inbound) == ("safety", "sent", text)
    assert answer.message.provider_id == twilio.messages[0].sid
    assert answer.message.kind == "safety"
    assert answer.message.patient == patient


@pytest.mark.django_db
def test_it_sends_a_same_day_text_to_the_gp_or_111(
    client, twilio, sent_inline, patient, plan, django_capture_on_commit_callbacks
):
    text_in(client, patient, "my calf is hot and swollen", django_capture_on_commit_callbacks)
    [sent] = twilio.messages
    assert "GP" in sent.body
    assert "111" in sent.body
    assert "999" not in sent.body


@pytest.mark.django_db
def test_it_alerts_the_clinician_like_a_portal_safety_report(
    client, twilio, sent_inline, patient, plan, therapist, django_capture_on_commit_callbacks
):
    text = text_in(client, patient, "my bum is numb", django_capture_on_commit_callbacks)

    report = SymptomReport.objects.get()
    assert (report.text, report.plan, report.log, report.kind) == (
        text,
        plan,
        None,
        "urgent_symptom",
    )
    assert "saddle_numbness" in report.symptoms
    # The email to the therapist goes through the reminder pipeline, as for a portal report.
    schedule = ReminderSchedule.objects.get(source="urgent_symptom", subject_id=report.pk)
    assert schedule.once_at is not None
    from exercises.reminders import UrgentSymptomAlerts
    from notifications.sources import Compose

    [email] = UrgentSymptomAlerts().compose_many([Compose(report.pk, None, "")])
    assert email.to_email == therapist.email
    assert "sent the clinic a text" in email.intro
    assert "Quinn" not in email.intro
    assert "numb" not in email.intro

    client.force_login(therapist)
    page = client.get(DASHBOARD).content.decode()
    assert "Texted the clinic on" in page
    assert "Numbness between my legs or around my bottom" in page
    assert "Go to the emergency department now." in page


@pytest.mark.django_db
def test_it_keeps_a_patients_texts_off_another_prescribers_dashboard(
    client, twilio, patient, plan, django_capture_on_commit_callbacks
):
    from tests.conftest import make_user

    text_in(client, patient, "running late, sorry", django_capture_on_commit_callbacks)
    other = make_user("other.physio@test.example", "therapist")
    client.force_login(other)
    assert "running late, sorry" not in client.get(DASHBOARD).content.decode()


@pytest.mark.django_db
def test_it_puts_a_text_that_is_not_urgent_before_the_clinician_with_read_marks(
    client, twilio, sent_inline, patient, plan, therapist, django_capture_on_commit_callbacks
):
    text = text_in(client, patient, "running late, sorry", django_capture_on_commit_callbacks)
    assert (text.urgency, text.for_clinician) == ("", True)
    assert twilio.messages == []
    assert not SymptomReport.objects.exists()

    client.force_login(therapist)
    dashboard = client.get(DASHBOARD).content.decode()
    assert "running late, sorry" in dashboard
    assert "1 unread" in dashboard
    detail = reverse("patients:detail", args=[patient.public_id])
    assert "running late, sorry" in client.get(detail).content.decode()

    response = client.post(
        reverse("notifications:sms_text_read", args=[text.public_id]), {"back": "patient"}
    )
    assert response.status_code == 302
    assert response.url == detail
    text.refresh_from_db()
    assert (text.read_by, text.read_at is not None) == (therapist, True)
    assert "Read by Tess" in client.get(detail).content.decode()
    assert "running late, sorry" not in client.get(DASHBOARD).content.decode()
    # Reception still has it in its queue for the admin side.
    assert SmsInbound.objects.filter(handled_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_it_never_shows_a_patients_texts_to_reception_outside_its_queue(
    client, twilio, patient, plan, reception, django_capture_on_commit_callbacks
):
    text = text_in(client, patient, "can I move to Thursday", django_capture_on_commit_callbacks)
    client.force_login(reception)
    detail = client.get(reverse("patients:detail", args=[patient.public_id])).content.decode()
    assert "can I move to Thursday" not in detail
    read = reverse("notifications:sms_text_read", args=[text.public_id])
    assert client.post(read).status_code == 403  # staff outside the role: refused
    text.refresh_from_db()
    assert text.read_at is None
    assert "can I move to Thursday" in client.get(INBOX).content.decode()


@pytest.mark.django_db
def test_it_keeps_patients_off_the_mark_read_page(
    client, twilio, patient, plan, django_capture_on_commit_callbacks
):
    from tests.conftest import make_user

    text = text_in(client, patient, "hello", django_capture_on_commit_callbacks)
    patient.user = make_user("pat@test.example", "patient")
    patient.save()
    client.force_login(patient.user)
    read = reverse("notifications:sms_text_read", args=[text.public_id])
    assert client.post(read).status_code == 404
    text.refresh_from_db()
    assert text.read_at is None


@pytest.mark.django_db
def test_it_answers_a_patient_without_a_plan_and_still_shows_the_text(
    client, twilio, sent_inline, patient, therapist, django_capture_on_commit_callbacks
):
    text = text_in(client, patient, "chest pain and breathless", django_capture_on_commit_callbacks)
    assert "999" in twilio.messages[0].body
    assert not SymptomReport.objects.exists()  # no plan: no prescriber to alert
    client.force_login(therapist)
    detail = client.get(reverse("patients:detail", args=[patient.public_id])).content.decode()
    assert "chest pain and breathless" in detail
    assert "Urgent: emergency" in detail
    assert text.for_clinician
    # no prescriber yet: on every clinician's dashboard, not on nobody's
    assert "chest pain and breathless" in client.get(DASHBOARD).content.decode()


@pytest.mark.django_db
def test_it_never_matches_an_unknown_number_but_flags_an_urgent_text_for_reception(
    client, twilio, sent_inline, reception, django_capture_on_commit_callbacks
):
    text = text_in(client, "+447911999888", "can't feel my bum", django_capture_on_commit_callbacks)
    assert (text.patient, text.for_clinician, text.urgency) == (None, False, EMERGENCY)
    assert twilio.messages == []
    assert not SymptomReport.objects.exists()
    client.force_login(reception)
    assert "Urgent: emergency" in client.get(INBOX).content.decode()


@pytest.mark.django_db
def test_it_leaves_a_shared_number_unmatched(
    client, twilio, sent_inline, django_capture_on_commit_callbacks
):
    first = texting_patient(phone="+447911123456")
    PatientFactory(phone="+447911123456")
    text = text_in(client, first, "my bum is numb", django_capture_on_commit_callbacks)
    assert (text.patient, text.urgency) == (None, EMERGENCY)
    assert twilio.messages == []


@pytest.mark.django_db
def test_the_dashboard_query_count_does_not_grow_with_texts(
    client, twilio, therapist, django_capture_on_commit_callbacks
):
    def texts(count: int, start: int) -> None:
        for index in range(start, start + count):
            someone = texting_patient()
            published_plan(therapist=therapist, patient=someone, codes=("EX-N01",))
            text_in(
                client, someone, "running late", django_capture_on_commit_callbacks, f"S{index}"
            )

    texts(1, 0)
    client.force_login(therapist)
    client.get(DASHBOARD)  # the first request also saves the session
    # Both measured just after new texts, so the cached alerts are worked out afresh each time.
    texts(1, 1)
    with CaptureQueriesContext(connection) as few:
        client.get(DASHBOARD)
    texts(8, 2)
    with CaptureQueriesContext(connection) as many:
        page = client.get(DASHBOARD).content.decode()
    assert "10 unread" in page
    assert len(many) <= len(few) + 1  # the unread count, once there are more than shown
