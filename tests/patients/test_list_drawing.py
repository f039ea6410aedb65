"""The patient list's content block, drawn in one step (`patient_list_content`), is what its
template steps drew: the replaced template text (with its pager include) is rendered here with
the view's own context and compared byte for byte, for searches with and without matches, one
page and several, every page number the view takes, invalid queries, archived patients and
parameters the pager's links keep."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from patients import views
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

PAGER = (
    "{% if page.has_other_pages %}\n"
    '<nav aria-label="Pages">\n'
    '  <ul class="pagination flex-wrap">\n'
    '    {% if page.has_previous %}<li class="page-item"><a class="page-link" href="?{% if'
    ' querystring %}{{ querystring }}&amp;{% endif %}page={{ page.previous_page_number }}">'
    "Previous</a></li>{% endif %}\n"
    '    <li class="page-item active" aria-current="page"><span class="page-link">Page'
    " {{ page.number }} of {{ page.paginator.num_pages }}</span></li>\n"
    '    {% if page.has_next %}<li class="page-item"><a class="page-link" href="?{% if'
    ' querystring %}{{ querystring }}&amp;{% endif %}page={{ page.next_page_number }}">'
    "Next</a></li>{% endif %}\n"
    "  </ul>\n"
    "</nav>\n"
    "{% endif %}\n"
)
CONTENT = (
    "{% load clinic_tags patient_list_tags %}\n"
    '<div class="d-flex flex-wrap justify-content-between align-items-center gap-2 mb-3">\n'
    '  <h1 class="h3 mb-0">Patients</h1>\n'
    '  <a class="btn btn-primary" href="{% url \'patients:create\' %}">Register a patient</a>\n'
    "</div>\n"
    '<form method="get" class="row g-2 align-items-end mb-3" role="search">\n'
    '  <div class="col-12 col-md-6">{% search_field form.q %}</div>\n'
    '  <div class="col-12 col-md-3">{% search_field form.archived %}</div>\n'
    '  <div class="col-12 col-md-3 mb-3"><button class="btn btn-outline-primary w-100"'
    ' type="submit">Search</button></div>\n'
    "</form>\n"
    "{% if page.object_list %}\n"
    '<div class="table-responsive">\n'
    '  <table class="table table-hover align-middle">\n'
    '    <caption class="visually-hidden">Patients{% if query %} matching “{{ query }}”'
    "{% endif %}</caption>\n"
    '    <thead><tr><th scope="col">Name</th><th scope="col">Date of birth</th><th'
    ' scope="col">Phone</th><th scope="col">Email</th><th scope="col">Episodes</th>'
    "</tr></thead>\n"
    "    <tbody>\n"
    "    {% patient_rows page.object_list %}\n"
    "    </tbody>\n"
    "  </table>\n"
    "</div>\n" + PAGER + "\n"
    "{% else %}\n"
    '<p class="text-body-secondary">{% if query %}No patient matches “{{ query }}”.{% else %}'
    "No patients yet.{% endif %}</p>\n"
    "{% endif %}\n"
)


@pytest.fixture
def crowd():
    PatientFactory.create_batch(5, last_name="Okafor", phone="+447912345678")
    PatientFactory(last_name="Okafor", archived_at=timezone.now())
    PatientFactory(first_name="<b>Ada</b>", last_name="O'Kafor & Sons", email="")
    PatientFactory(last_name="Elsewhere", phone="")


QUERIES = [
    "",
    "q=",
    "page=2",
    "page=3",
    "page=999",
    "page=0",
    "page=-4",
    "page=abc",
    "page=99999999999999999999999",
    "q=okaf",
    "q=okaf&page=2",
    "q=okaf&page=3",
    "q=okaf&page=4",
    "q=okaf&archived=on",
    "q=okaf&archived=on&page=3",
    "q=okaf&archived=on&page=4",
    "archived=on&page=2",
    "q=elsewhere",
    "q=zzzz",
    "q=%3Cb%3E",
    "q=%22%3Cx%3E%26",
    "q=o%27kafor+%26",
    "q=" + "x" * 101,
    "q=" + "x" * 101 + "&archived=on&page=2",
    "q=a%00b&page=2",
    "q=okaf&extra=a+b%26c%3Cd%3E&page=2",
    "extra=%22%27&page=1",
    "q=ada+okafor",
    "q=07912+345678",
]


@pytest.mark.parametrize("given", QUERIES)
def test_the_content_is_drawn_as_the_template_drew_it(therapist, crowd, monkeypatch, given):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    request = RequestFactory().get("/patients/?" + given if given else "/patients/")
    request.user = therapist
    context = views._patient_list_context(request)
    drawn = Template(
        "{% load patient_list_tags %}{% patient_list_content form page query querystring %}"
    ).render(Context(context))
    assert drawn == Template(CONTENT).render(Context(context))


def test_a_reader_who_may_not_search_is_still_refused():
    request = RequestFactory().get("/patients/?q=okaf")
    request.user = AnonymousUser()
    assert views.patient_list(request).status_code == 302


ROW = (
    "{% for patient in patients %}\n"
    "      <tr>\n"
    "        <td><a href=\"{% url 'patients:detail' patient.public_id %}\">{{ patient.last_name }},"
    " {{ patient.first_name }}</a>{% if patient.is_archived %}"
    ' <span class="badge text-bg-secondary">Archived</span>{% endif %}</td>\n'
    '        <td>{{ patient.date_of_birth|date:"j M Y" }}</td>\n'
    '        <td>{{ patient.phone.as_international|default:"—" }}</td>\n'
    '        <td>{{ patient.email|default:"—" }}</td>\n'
    "        <td>{{ patient.episode_count }}</td>\n"
    "      </tr>\n    {% endfor %}"
)


def test_the_rows_are_drawn_as_the_template_loop_drew_them(therapist, crowd):
    from patients.models import Patient
    from patients.selectors import patients_search_page
    from patients.templatetags.patient_list_tags import patient_rows

    page = patients_search_page(user=therapist, query="", include_archived=True, size=25)
    listed = list(page.object_list)
    assert len(listed) == 8
    whole = {p.pk: p for p in Patient.objects.all()}  # every field, the phone as a number
    expected = Template(ROW).render(Context({"patients": [whole[p.pk] for p in listed]}))
    assert patient_rows(listed) == expected
    assert patient_rows(listed) == expected  # the phone cells kept from the first drawing
