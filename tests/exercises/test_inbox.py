"""Patients' comments reach the therapist: the inbox, the patient page, mark read and reply."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent
from exercises.inbox import comment_reply
from exercises.models import CommentRead, CommentReply, SessionLog
from exercises.reminders import CLINIC_MESSAGE_SOURCE
from notifications.dispatch import reminders_dispatch
from notifications.models import ReminderDelivery, ReminderSchedule
from tests.conftest import make_user
from tests.exercises.factories import log, published_plan
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db
INBOX = reverse("exercises:comments_inbox")
DASHBOARD = reverse("clinic:dashboard")


def commented(plan, days_ago: int, text: str) -> SessionLog:
    """A session log `days_ago` days back carrying the patient's comment `text`."""
    entry = log(plan, timezone.localdate() - dt.timedelta(days=days_ago))
    SessionLog.objects.filter(pk=entry.pk).update(comment=text)
    entry.refresh_from_db()
    return entry


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ada(patient_user):
    return PatientFactory(user=patient_user, first_name="Ada", email_reminders_consent=True)


START = timezone.localdate() - dt.timedelta(30)


@pytest.fixture
def ada_plan(ada, therapist):
    return published_plan(
        therapist=therapist, patient=ada, start_date=timezone.localdate() - dt.timedelta(30)
    )


def test_it_lists_unread_comments_first_then_newest_first(therapist, ada_plan):
    old_unread = commented(ada_plan, 5, "Old unread note")
    new_read = commented(ada_plan, 1, "New but already read")
    commented(ada_plan, 2, "Knee clicks on the stairs")
    CommentRead.objects.create(session_log=new_read, read_by=therapist, read_at=timezone.now())

    body = signed_in(therapist).get(INBOX).content.decode()

    positions = [body.index(text) for text in ("Knee clicks", "Old unread", "New but already")]
    assert positions == sorted(positions), "unread first (newest first), then read ones"
    assert body.count("Unread</span>") == 2
    assert old_unread.comment in body


def test_it_shows_a_therapist_only_their_own_patients_and_the_manager_everyone(
    therapist, other_therapist, manager, ada_plan
):
    commented(ada_plan, 1, "Comment for Tess")
    colins = published_plan(therapist=other_therapist, start_date=START)
    commented(colins, 1, "Comment for Colin")

    tess = signed_in(therapist).get(DASHBOARD).content.decode()
    colin = signed_in(other_therapist).get(INBOX).content.decode()
    boss = signed_in(manager).get(INBOX).content.decode()

    assert "Comment for Tess" in tess
    assert "Comment for Colin" not in tess
    assert "Comment for Colin" in colin
    assert "Comment for Tess" not in colin
    assert "Comment for Tess" in boss
    assert "Comment for Colin" in boss


def test_it_paginates_the_inbox(therapist, ada_plan):
    for day in range(22, 0, -1):  # the last written (Note 01) is the newest
        commented(ada_plan, day, f"Note number {day:02d}.")
    client = signed_in(therapist)

    first = client.get(INBOX).content.decode()
    second = client.get(INBOX, {"page": 2}).content.decode()

    assert "Note number 01." in first
    assert "Note number 21." not in first
    assert "Note number 21." in second
    assert "Page 2 of 2" in second


def test_it_keeps_the_inbox_from_reception_and_patients(reception, patient_user, ada_plan):
    commented(ada_plan, 1, "Private clinical note")
    for user, refused in ((reception, 403), (patient_user, 404)):
        assert signed_in(user).get(INBOX).status_code == refused
        assert "Private clinical note" not in signed_in(user).get("/").content.decode()


def test_it_shows_comments_on_the_patient_page_to_clinicians_but_never_to_reception(
    therapist, reception, ada, ada_plan
):
    commented(ada_plan, 1, "My calf felt hot and swollen")
    page = reverse("patients:detail", args=[ada.public_id])

    assert "My calf felt hot and swollen" in signed_in(therapist).get(page).content.decode()
    reception_page = signed_in(reception).get(page)
    assert reception_page.status_code == 200
    assert "My calf felt hot and swollen" not in reception_page.content.decode()
    assert "Comments from" not in reception_page.content.decode()


def test_it_marks_a_comment_read_recording_who_and_when_and_audits_it(therapist, ada_plan):
    entry = commented(ada_plan, 1, "Sore after the second set")
    client = signed_in(therapist)

    response = client.post(reverse("exercises:comment_mark_read", args=[entry.public_id]))

    assert response.status_code == 302
    read = CommentRead.objects.get(session_log=entry)
    assert read.read_by == therapist
    assert abs(read.read_at - timezone.now()) < dt.timedelta(minutes=1)
    assert AuditEvent.objects.filter(
        actor=therapist, patient=entry.patient, object_type="exercises.commentread"
    ).exists()
    # Marking again keeps the first record.
    client.post(reverse("exercises:comment_mark_read", args=[entry.public_id]))
    assert CommentRead.objects.filter(session_log=entry).count() == 1
    assert "Unread</span>" not in client.get(INBOX).content.decode()


def test_it_lets_only_clinicians_mark_read_or_reply(reception, patient_user, ada_plan):
    entry = commented(ada_plan, 1, "Sore")
    for user, refused in ((reception, 403), (patient_user, 404)):
        client = signed_in(user)
        assert (
            client.post(reverse("exercises:comment_mark_read", args=[entry.public_id])).status_code
            == refused
        )
        assert (
            client.post(
                reverse("exercises:comment_reply", args=[entry.public_id]), {"body": "Hi"}
            ).status_code
            == refused
        )
    assert not CommentRead.objects.exists()
    assert not CommentReply.objects.exists()


def test_it_answers_404_for_a_log_without_a_comment(therapist, ada_plan):
    silent = log(ada_plan, timezone.localdate())
    client = signed_in(therapist)
    assert (
        client.post(reverse("exercises:comment_mark_read", args=[silent.public_id])).status_code
        == 404
    )
    assert (
        client.get(reverse("exercises:comment_reply", args=[silent.public_id])).status_code == 404
    )


def test_it_rejects_an_empty_reply_with_a_message_next_to_the_field(therapist, ada_plan):
    entry = commented(ada_plan, 1, "Sore")
    response = signed_in(therapist).post(
        reverse("exercises:comment_reply", args=[entry.public_id]), {"body": "   "}
    )
    assert response.status_code == 200
    assert "Write a reply before sending it." in response.content.decode()
    assert not CommentReply.objects.exists()


def test_it_shows_a_reply_in_the_patients_portal_and_only_theirs(
    therapist, patient_user, ada, ada_plan
):
    entry = commented(ada_plan, 1, "Is it normal that it aches?")
    bo_user = make_user("bo@test.example", "patient")
    bo = PatientFactory(user=bo_user, first_name="Bo")
    bo_entry = commented(
        published_plan(therapist=therapist, patient=bo, start_date=START), 1, "Bo's note"
    )

    response = signed_in(therapist).post(
        reverse("exercises:comment_reply", args=[entry.public_id]),
        {"body": "A mild ache is fine; keep going.", "back": "patient"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("patients:detail", args=[ada.public_id])
    reply = CommentReply.objects.get()
    assert (reply.author, reply.patient, reply.session_log) == (therapist, ada, entry)
    assert CommentRead.objects.filter(session_log=entry, read_by=therapist).exists()
    ada_client = signed_in(patient_user)
    home = ada_client.get(reverse("portal:home")).content.decode()
    assert "Your physio replied" in home
    assert "A mild ache is fine" in home
    detail = ada_client.get(reverse("portal:history_detail", args=[entry.public_id]))
    assert "A mild ache is fine" in detail.content.decode()
    # Bo sees nothing of it, and cannot open Ada's log.
    bo_client = signed_in(bo_user)
    assert "A mild ache is fine" not in bo_client.get(reverse("portal:home")).content.decode()
    assert (
        bo_client.get(reverse("portal:history_detail", args=[entry.public_id])).status_code == 404
    )
    assert (
        bo_client.get(reverse("portal:history_detail", args=[bo_entry.public_id])).status_code
        == 200
    )


def test_it_emails_the_patient_once_without_clinical_content(settings, therapist, ada, ada_plan):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    entry = commented(ada_plan, 1, "Pins and needles in my foot")
    comment_reply(session_log=entry, user=therapist, body="Stop the nerve glide for now.")
    comment_reply(session_log=entry, user=therapist, body="And call us tomorrow.")

    schedule = ReminderSchedule.objects.get(source=CLINIC_MESSAGE_SOURCE, patient=ada)
    assert schedule.next_due_at is not None
    reminders_dispatch(now=timezone.now() + dt.timedelta(seconds=5))
    reminders_dispatch(now=timezone.now() + dt.timedelta(seconds=10))

    sent = [message for message in mail.outbox if "new message" in message.subject]
    assert len(sent) == 1, "two replies close together make one email, sent once"
    text = sent[0].body + "".join(str(alt[0]) for alt in sent[0].alternatives)
    assert "sign in to read it" in text.lower()
    for clinical in ("nerve glide", "call us", "Pins and needles"):
        assert clinical not in text
    assert ReminderDelivery.objects.get(schedule=schedule).status == ReminderDelivery.Status.SENT


def test_it_keeps_replies_append_only(therapist, ada_plan):
    entry = commented(ada_plan, 1, "Sore")
    reply = comment_reply(session_log=entry, user=therapist, body="Rest a day.")
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        entry.delete()
    assert CommentReply.objects.filter(pk=reply.pk).exists()


@pytest.mark.parametrize("rows", [1, 6])
def test_it_shows_the_inbox_in_a_fixed_number_of_queries(
    therapist, ada_plan, django_assert_num_queries, rows
):
    for day in range(rows):
        commented(ada_plan, day, f"Note {day}")
    client = signed_in(therapist)
    client.get(INBOX)  # the session was just saved: the next request does not save it again
    # Queries: session, user, the count, one page of comments with their patients and read
    # marks, the audit INSERT (one statement for all the patients shown).
    with django_assert_num_queries(5):
        response = client.get(INBOX)
    assert response.content.decode().count("comment-text") == rows


@pytest.mark.parametrize("rows", [1, 6])
def test_it_builds_the_dashboard_inbox_in_a_fixed_number_of_queries(
    therapist, ada_plan, django_assert_num_queries, rows
):
    from exercises.dashboard_draw import draw_comments
    from exercises.panels import _inbox_context, _inboxes

    for day in range(rows):
        commented(ada_plan, day, f"Note {day}")
    # Queries: one, the first comments with their patients, how many are unread, and the
    # texts card's rows and count; drawing the card reads nothing the statement left out.
    with django_assert_num_queries(1):
        context = _inbox_context(_inboxes(therapist))
        drawn = draw_comments(context, "token")
    assert context["unread"] == rows
    assert drawn.count("comment-text") == min(rows, 5)


def test_it_counts_only_unread_comments_on_the_dashboard_beyond_those_shown(therapist, ada_plan):
    from exercises.panels import _inbox_context, _inboxes

    entries = [commented(ada_plan, day, f"Note {day}") for day in range(7)]
    for entry in entries[:3]:
        CommentRead.objects.create(session_log=entry, read_by=therapist, read_at=timezone.now())
    context = _inbox_context(_inboxes(therapist))
    # Unread first (newest logged first), then the newest read one; four unread in all.
    assert [log.comment for log in context["comments"]] == [
        "Note 6",
        "Note 5",
        "Note 4",
        "Note 3",
        "Note 2",
    ]
    assert context["unread"] == 4
    body = signed_in(therapist).get(DASHBOARD).content.decode()
    assert "4 unread" in body


@pytest.mark.parametrize("rows", [1, 4])
def test_it_builds_the_patient_comments_in_a_fixed_number_of_queries(
    therapist, ada, ada_plan, django_assert_num_queries, rows
):
    from exercises.selectors import comments_for_patient

    for day in range(rows):
        entry = commented(ada_plan, day, f"Note {day}")
        comment_reply(session_log=entry, user=therapist, body="Thanks.")
    # Queries: comments with read marks and readers, their replies, the replies' authors.
    with django_assert_num_queries(3):
        comments = comments_for_patient(user=therapist, patient=ada)
    assert len(comments) == rows


def test_it_fits_the_inbox_on_a_phone(therapist, ada_plan):
    commented(ada_plan, 1, "x" * 300)
    body = signed_in(therapist).get(INBOX).content.decode()
    # Long words wrap, and actions wrap under the text instead of widening the page.
    assert "text-break" in body
    assert "flex-wrap" in body


def test_it_stops_the_message_emails_when_the_patient_unsubscribes(
    settings, therapist, ada, ada_plan
):
    from urllib.parse import urlsplit

    from notifications.schedules import unsubscribe_url

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    entry = commented(ada_plan, 1, "Sore")
    comment_reply(session_log=entry, user=therapist, body="Rest a day.")
    schedule = ReminderSchedule.objects.get(source=CLINIC_MESSAGE_SOURCE, patient=ada)
    assert Client().post(urlsplit(unsubscribe_url(schedule=schedule)).path).status_code == 302

    comment_reply(session_log=entry, user=therapist, body="And ice it.")
    reminders_dispatch(now=timezone.now() + dt.timedelta(seconds=5))

    assert not [message for message in mail.outbox if "new message" in message.subject]
    assert "And ice it." in signed_in(ada.user).get(reverse("portal:home")).content.decode()


def test_it_still_sends_the_notice_after_the_dispatcher_was_down_for_hours(
    settings, therapist, ada, ada_plan
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    entry = commented(ada_plan, 1, "Sore")
    comment_reply(session_log=entry, user=therapist, body="Rest a day.")

    # Far beyond the grace after which an exercise reminder is recorded as missed.
    reminders_dispatch(now=timezone.now() + dt.timedelta(hours=5))

    delivery = ReminderDelivery.objects.get(schedule__source=CLINIC_MESSAGE_SOURCE)
    assert delivery.status == ReminderDelivery.Status.SENT
    assert len([message for message in mail.outbox if "new message" in message.subject]) == 1
