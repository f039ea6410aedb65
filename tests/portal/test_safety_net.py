"""The safety net between visits: the standing safety card, the session log's safety questions,
what an urgent symptom tells the patient, and the alert it raises for their therapist."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from exercises.models import AlertAcknowledgement, ExercisePlan, SessionLog, SymptomReport
from notifications.models import ReminderSchedule
from tests.exercises.factories import log, published_plan
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
LOG_URL = reverse("portal:log")
SAFETY_URL = reverse("portal:safety")
DASHBOARD_URL = reverse("clinic:dashboard")
URGENT_BADGE = ">Urgent symptom</span>"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def phone(settings):
    settings.CLINIC_PHONE = "020 7946 0000"


@pytest.fixture
def me(patient_user):
    return PatientFactory(user=patient_user, first_name="Pat", last_name="Quinn")


@pytest.fixture
def my_plan(me, therapist):
    return published_plan(therapist=therapist, patient=me, start_date=TODAY - dt.timedelta(days=14))


def log_data(**overrides):
    data = {
        "date": TODAY.isoformat(),
        "done_0": "on",
        "pain_during": "2",
        "pain_after": "3",
        "difficulty": "about_right",
        "worse_next_morning": "no",
    }
    data.update(overrides)
    return data


def dashboard_text(client, therapist) -> str:
    client.force_login(therapist)
    return client.get(DASHBOARD_URL).content.decode()


# --- The standing card ------------------------------------------------------------------


def test_it_shows_the_safety_card_on_the_portal_home_with_the_clinic_phone(patient_client, my_plan):
    body = patient_client.get(reverse("portal:home")).content.decode()
    assert "When to get help fast" in body
    assert "Numbness between my legs or around my bottom" in body
    assert "A calf that is hot, swollen or red" in body
    assert "Go to the emergency department now." in body
    assert "Please see a doctor today." in body
    assert "020 7946 0000" in body


def test_it_links_the_safety_page_from_every_portal_page(patient_client, my_plan):
    for name in ("portal:home", "portal:log", "portal:history"):
        body = patient_client.get(reverse(name)).content.decode()
        assert f'href="{SAFETY_URL}"' in body, name
    page = patient_client.get(SAFETY_URL).content.decode()
    for words in (
        "New trouble with my bladder or bowels",
        "Weakness or numbness in both legs",
        "A fever (feeling hot and shivery) with back pain",
        "020 7946 0000",
    ):
        assert words in page


def test_it_words_the_card_for_a_reading_age_of_nine_to_eleven():
    from exercises import safety

    sentences = [group["heading"] for group in safety.card()]
    sentences += [step for group in safety.card() for step in group["steps"]]
    sentences += [symptom.label for symptom in safety.SYMPTOMS]
    for sentence in sentences:
        assert len(sentence.split()) <= 12, sentence  # short sentences
    for hard in ("cauda", "equina", "thrombosis", "DVT", "saddle", "anaesthesia", "medical"):
        assert not any(hard.lower() in sentence.lower() for sentence in sentences)


# --- The session log's questions ----------------------------------------------------------


def test_it_stores_the_next_morning_and_lasting_pins_and_needles_answers(patient_client, my_plan):
    response = patient_client.post(
        LOG_URL, log_data(worse_next_morning="yes", lasting_pins_needles="on")
    )
    assert response.status_code == 302
    saved = SessionLog.objects.get(plan=my_plan, date=TODAY)
    assert saved.worse_next_morning is True
    assert saved.lasting_pins_needles is True
    assert saved.new_symptoms == []
    form = patient_client.get(LOG_URL).context["form"]
    assert form.initial["worse_next_morning"] == "yes"
    assert form.initial["lasting_pins_needles"] is True


def test_it_keeps_not_sure_about_the_next_morning_as_unanswered(patient_client, my_plan):
    patient_client.post(LOG_URL, log_data(worse_next_morning=""))
    assert SessionLog.objects.get(plan=my_plan, date=TODAY).worse_next_morning is None


def test_it_refuses_a_symptom_not_on_the_list_next_to_the_field(patient_client, my_plan):
    response = patient_client.post(LOG_URL, log_data(new_symptoms=["headache"]))
    assert response.status_code == 200
    assert "new_symptoms" in response.context["form"].errors
    assert not SessionLog.objects.exists()


# --- Ticking an urgent symptom -------------------------------------------------------------


def test_it_tells_the_patient_to_go_to_the_emergency_department_now(patient_client, my_plan):
    response = patient_client.post(
        LOG_URL, log_data(new_symptoms=["saddle_numbness", "hot_calf"]), follow=True
    )
    saved = SessionLog.objects.get(plan=my_plan, date=TODAY)
    assert response.redirect_chain == [(reverse("portal:safety_log", args=[saved.public_id]), 302)]
    body = response.content.decode()
    # The most urgent speed wins, and every symptom ticked is listed.
    assert "<h1" in body
    assert "Go to the emergency department now." in body.split("</h1>")[0]
    assert "Numbness between my legs or around my bottom" in body
    assert "A calf that is hot, swollen or red" in body
    assert "call 999" in body
    assert "020 7946 0000" in body


def test_it_tells_the_patient_to_see_a_doctor_today_for_a_hot_swollen_calf(patient_client, my_plan):
    response = patient_client.post(LOG_URL, log_data(new_symptoms=["hot_calf"]), follow=True)
    heading = response.content.decode().split("</h1>")[0]
    assert "Please see a doctor today." in heading
    assert "emergency department" not in heading


def test_it_alerts_the_therapist_on_the_dashboard_at_once(
    patient_client, my_plan, therapist, other_therapist
):
    patient_client.post(LOG_URL, log_data())
    before = dashboard_text(patient_client, therapist)  # cached with yesterday's answer
    assert URGENT_BADGE not in before
    patient_client.force_login(my_plan.patient.user)
    # The same day's log again, now with an urgent symptom: no new log row, still at once.
    patient_client.post(LOG_URL, log_data(new_symptoms=["both_legs"]))
    body = dashboard_text(patient_client, therapist)
    assert URGENT_BADGE in body
    assert "Weakness or numbness in both legs" in body
    assert "Go to the emergency department now." in body
    # Another therapist's patients are not theirs.
    assert URGENT_BADGE not in dashboard_text(patient_client, other_therapist)


def test_it_does_not_pause_the_plan_on_the_patients_answer_alone(patient_client, my_plan):
    patient_client.post(LOG_URL, log_data(new_symptoms=["bladder_bowel"]))
    my_plan.refresh_from_db()
    assert my_plan.status == ExercisePlan.Status.ACTIVE


def test_it_raises_one_report_however_often_the_log_is_saved_again(patient_client, my_plan):
    for _ in range(3):
        patient_client.post(LOG_URL, log_data(new_symptoms=["hot_calf"]))
    assert SymptomReport.objects.filter(kind="urgent_symptom").count() == 1
    assert ReminderSchedule.objects.filter(source="urgent_symptom").count() == 1
    patient_client.post(LOG_URL, log_data(new_symptoms=["hot_calf", "fever_back_pain"]))
    assert SymptomReport.objects.filter(kind="urgent_symptom").count() == 2


def test_it_audits_the_report(patient_client, my_plan):
    from clinic.models import AuditEvent

    patient_client.post(LOG_URL, log_data(new_symptoms=["hot_calf"]))
    SymptomReport.objects.get()
    assert AuditEvent.objects.filter(
        object_type="exercises.symptomreport", action="create", patient=my_plan.patient
    ).exists()


def test_it_alerts_on_lasting_pins_and_needles_once(patient_client, my_plan, therapist):
    patient_client.post(LOG_URL, log_data(lasting_pins_needles="on"))
    body = dashboard_text(patient_client, therapist)
    assert ">Lasting pins and needles</span>" in body
    assert not ReminderSchedule.objects.filter(source="urgent_symptom").exists()  # no email


def test_it_clears_the_alert_once_acknowledged(patient_client, my_plan, therapist):
    patient_client.post(LOG_URL, log_data(new_symptoms=["hot_calf"]))
    patient_client.force_login(therapist)
    patient_client.post(
        reverse("exercises:alert_acknowledge", args=[my_plan.public_id]),
        {"kind": "urgent_symptom", "period": TODAY.isoformat(), "note": "Rang: seeing the GP."},
    )
    assert AlertAcknowledgement.objects.filter(kind="urgent_symptom").exists()
    assert URGENT_BADGE not in dashboard_text(patient_client, therapist)


# --- Who may see it ---------------------------------------------------------------------------


def test_it_answers_404_for_another_patients_safety_page(patient_client, my_plan, therapist):
    other = published_plan(therapist=therapist, start_date=TODAY)
    theirs = log(other, TODAY)
    url = reverse("portal:safety_log", args=[theirs.public_id])
    assert patient_client.get(url).status_code == 404


@pytest.mark.parametrize("name", ["portal:safety"])
def test_it_keeps_staff_and_strangers_out_of_the_safety_pages(client, therapist, reception, name):
    url = reverse(name)
    assert client.get(url).status_code == 302
    for user in (therapist, reception):
        client.force_login(user)
        assert client.get(url).status_code == 403


def test_it_shows_reception_no_alerts(client, reception, patient_user, my_plan):
    client.force_login(patient_user)
    client.post(LOG_URL, log_data(new_symptoms=["hot_calf"]))
    client.force_login(reception)
    response = client.get(DASHBOARD_URL)
    assert URGENT_BADGE not in response.content.decode()


def test_it_shows_the_safety_pages_in_a_fixed_number_of_queries(
    patient_client, my_plan, django_assert_num_queries
):
    # Queries: session, user, the patient's open red-flag referrals (the notice at the top of every page).
    with django_assert_num_queries(3):
        patient_client.get(SAFETY_URL)
    entry = log(my_plan, TODAY)
    # Queries: session, user, patient, the log with its version and plan, the replies to it
    # (prefetched by the portal's log selector), the audit INSERT, the patient's open red-flag referrals (the notice at the top of every page).
    with django_assert_num_queries(7):
        patient_client.get(reverse("portal:safety_log", args=[entry.public_id]))
