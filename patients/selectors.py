"""Reads of patient data, always scoped by who is asking.

Views never fetch a patient by id themselves: they call these, which raise 404 for anything
the user may not see (another patient's record, or a patient record for a portal user).
"""

from __future__ import annotations

import functools
import re
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db import router
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Expression,
    ExpressionWrapper,
    F,
    Func,
    Q,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Concat, Upper
from django.http import Http404

from clinic import audit
from clinic.access import STAFF, has_role
from clinic.json_rows import init_heard, made, made_without_init
from clinic.rows import Like, LikePattern, contains_pattern, prepared_list, prepared_tuples
from patients import page_rows
from patients.models import Episode, Patient, PatientQuerySet
from patients.phone import keep_stored

#: What the patient search matches against: "FIRST LAST EMAIL PHONE", upper-cased. Migration
#: 0002 indexes exactly this expression (pg_trgm); change both together.
SEARCH_TEXT = Upper(
    Concat(
        "first_name",
        Value(" "),
        "last_name",
        Value(" "),
        "email",
        Value(" "),
        "phone",
        output_field=CharField(),
    )
)


class _SearchText(Expression):
    """SEARCH_TEXT in a search query, its SQL built once per process for each database and
    table alias: the expression is a dozen nested functions, and building their SQL was about a
    tenth of the search page. The SQL is exactly what SEARCH_TEXT gives, so the trigram index
    still serves it (`tests/perf/test_explain.py`)."""

    _built: dict[tuple[str, str], tuple[str, tuple]] = {}

    def __init__(self):
        super().__init__(output_field=CharField())
        self.table_alias = None

    def resolve_expression(
        self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False
    ):
        resolved = self.copy()
        # The one thing its SQL depends on besides the database: the alias its columns use.
        resolved.table_alias = query.resolve_ref("first_name", allow_joins, reuse).alias
        return resolved

    def relabeled_clone(self, change_map):
        clone = self.copy()  # in a subquery its table is renamed (U0)
        clone.table_alias = change_map.get(self.table_alias, self.table_alias)
        return clone

    def as_sql(self, compiler, connection):
        key = (connection.alias, self.table_alias)
        built = self._built.get(key)
        if built is None:
            expression = SEARCH_TEXT.resolve_expression(compiler.query, allow_joins=False)
            sql, params = compiler.compile(expression)
            built = self._built[key] = (sql, tuple(params))
        return built[0], list(built[1])


def patients_for_user(*, user) -> PatientQuerySet:
    """Patients the user may see: every patient for clinic staff, only their own for a patient."""
    if has_role(user, STAFF):
        return Patient.objects.all()
    if user.is_authenticated:
        return Patient.objects.filter(user=user)
    return Patient.objects.none()


def patient_for_user(*, user, public_id: UUID | str) -> Patient:
    """The patient with `public_id` if `user` may see them, else 404. Every staff page of a
    patient asks: for staff its SQL is compiled once per process (clinic/rows.py)."""
    if has_role(user, STAFF):
        try:
            key = public_id if isinstance(public_id, UUID) else UUID(str(public_id))
        except ValueError:
            raise Http404("No such patient") from None
        found = prepared_list("patient_for_staff", Patient, _staff_patient, public_id=key)
        if not found:
            raise Http404("No such patient")
        patient = found[0]
    else:
        try:
            patient = patients_for_user(user=user).select_related("user").get(public_id=public_id)
        except (Patient.DoesNotExist, ValueError, TypeError):
            raise Http404("No such patient") from None
    audit.note_patient(patient)
    return patient


def _staff_patient(*, public_id: UUID):
    return Patient.objects.filter(public_id=public_id).select_related("user")


def episodes_load(*, patient: Patient) -> None:
    """Load the patient's episodes (newest first) once, for the page and every panel: after
    this `patient.episodes.all()` asks nothing. The SQL is compiled once per process."""
    episodes = page_rows.taken(patient, "episodes_of_patient")
    if episodes is None:
        episodes = prepared_list(
            "episodes_of_patient", Episode, _episodes_of_patient, patient_id=patient.pk
        )
    for episode in episodes:
        # What a prefetch sets: each episode's patient is this one, read no further.
        Episode.patient.field.set_cached_value(episode, patient)
    cached = patient.episodes.all()
    cached._result_cache = episodes
    cached._prefetch_done = True
    patient._prefetched_objects_cache = {
        **getattr(patient, "_prefetched_objects_cache", {}),
        "episodes": cached,
    }


def page_reads_begin(*, patient: Patient) -> None:
    """Let the panels of one read-only page of this patient share what they read (the patient
    page calls it): after this, the selectors that offer it keep a read on the patient object
    (`page_reads`) and the next panel takes it from there instead of asking again."""
    patient.__dict__["_page_reads"] = {}


def page_reads(patient) -> dict | None:
    """The reads shared by the panels of this patient's page, or None outside such a page
    (a service, a task, a form's second look): then every selector reads afresh, so nothing
    read before a write is taken for what the database holds after it."""
    return None if patient is None else patient.__dict__.get("_page_reads")


def _episodes_of_patient(*, patient_id: int):
    return Episode.objects.filter(patient_id=patient_id).order_by("-number")


class _AmongEpisodes(Func):
    """`key = ANY(ARRAY(<the episodes' keys>))`: see `of_patient_episodes`."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        key, episodes = (compiler.compile(part) for part in self.get_source_expressions())
        return f"{key[0]} = ANY(ARRAY{episodes[0]})", [*key[1], *episodes[1]]

    def as_sqlite(self, compiler, connection, **extra_context):
        key, episodes = (compiler.compile(part) for part in self.get_source_expressions())
        return f"{key[0]} IN {episodes[0]}", [*key[1], *episodes[1]]


def of_patient_episodes(episode: str, patient_id) -> Q | Expression:
    """A filter for the rows of one patient's episodes: the episode the row points to along
    `episode` (a path such as `"episode"` or `"session__episode"`) is patient `patient_id`'s.
    The same rows as `<episode>__patient_id=patient_id`.

    For a patient's key given as a value (an integer: the patient page's reads) it is written
    as `episode_id = ANY(ARRAY(SELECT id FROM patients_episode WHERE patient_id = ...))`, not
    the join that filter makes: PostgreSQL plans the join (and `IN (SELECT ...)`, which it
    turns back into the join) as a nested loop whose episode scan hands up all twelve of the
    episode's columns, and whose other scan hands up every column of its own table, each set
    up on every run of the page's one statement; the array is an init plan of one column, and
    the read's own scan then hands up only what is asked of it where nothing else joins it.
    For an expression (a correlated `OuterRef`, as in the portal's statements), the join as
    before: an `OuterRef` inside the episodes' subquery would point at the wrong query."""
    if not isinstance(patient_id, int):
        return Q(**{f"{episode}__patient_id": patient_id})
    episodes = Episode.objects.filter(patient_id=patient_id).order_by().values("pk")
    return _AmongEpisodes(F(episode), Subquery(episodes))


def open_episodes(*, patient: Patient) -> list[Episode]:
    """The patient's open episodes, newest first; no query when the episodes are loaded."""
    return sorted(
        (episode for episode in patient.episodes.all() if episode.is_open),
        key=lambda episode: -episode.number,
    )


def patient_of_portal_user(*, user) -> Patient:
    """The patient record linked to a portal login; 404 when there is none. Every portal page
    asks: its SQL is compiled once per process (clinic/rows.py). Every field is read; the phone
    number is parsed only if the page reads it (`portal_patient_of_row`)."""
    if not user.is_authenticated:
        raise Http404("No patient record for this account")
    found = prepared_list("patient_of_portal_user", Patient, _portal_patient, user_id=user.pk)
    if not found:
        raise Http404("No patient record for this account")
    return portal_patient_of_row(found[0])


def _portal_patient(*, user_id: int):
    return portal_patient_rows(user_id=user_id)[:1]


#: The portal's patient: every column in the model's order but the phone number, which is read
#: as its stored text under PORTAL_PHONE_TEXT (patients/phone.py: no portal page shows it).
PORTAL_PATIENT_COLUMNS = tuple(
    field.attname for field in Patient._meta.concrete_fields if field.name != "phone"
)
PORTAL_PHONE_TEXT = "patients.phone_text"


def portal_patient_rows(*, user_id, **columns) -> PatientQuerySet:
    """The patient of the portal login `user_id` (a value or an expression) as `.values()` of
    PORTAL_PATIENT_COLUMNS, PORTAL_PHONE_TEXT and the caller's own `columns` (expressions: the
    portal home's statement adds its panels' rows); `portal_patient_of_row` builds the
    record."""
    return (
        Patient.objects.filter(user_id=user_id, archived_at__isnull=True)
        .order_by()
        .values(
            *PORTAL_PATIENT_COLUMNS,
            **{PORTAL_PHONE_TEXT: ExpressionWrapper(F("phone"), output_field=CharField())},
            **columns,
        )
    )


def portal_patient_of_row(row: dict) -> Patient:
    """The `Patient` of a `portal_patient_rows` row, as the ORM would build it (no field
    deferred), the phone number kept as stored until read; noted in the audit trail."""
    alias = router.db_for_read(Patient)
    values = [row[name] for name in PORTAL_PATIENT_COLUMNS]
    if made_without_init(Patient, PORTAL_PATIENT_COLUMNS) and not init_heard(Patient):
        patient = made(Patient, alias, PORTAL_PATIENT_COLUMNS, values)
    else:
        patient = Patient.from_db(alias, PORTAL_PATIENT_COLUMNS, values)
    keep_stored(patient, "phone", row[PORTAL_PHONE_TEXT])
    audit.note_patient(patient)
    return patient


def episode_for_user(*, user, public_id: UUID | str) -> Episode:
    patients = patients_for_user(user=user)
    try:
        episode = Episode.objects.select_related("patient__user").get(
            public_id=public_id, patient__in=patients
        )
    except (Episode.DoesNotExist, ValueError, TypeError):
        raise Http404("No such episode") from None
    audit.note_patient(episode.patient, episode)
    return episode


def patients_search(*, user, query: str = "", include_archived: bool = False) -> PatientQuerySet:
    """Patients the user may see, matching `query` on name, email or phone.

    Matching is partial and case-insensitive. Every word of the query must match the first
    name, last name, email or phone; the whole query may also match "first last". Phone
    queries ignore spaces and punctuation, and a national number typed with a leading 0
    also finds the stored international form. Archived patients are left out unless asked for.

    Every condition is a substring test on one expression, SEARCH_TEXT, so a single trigram
    index (migration 0002) serves the whole search on PostgreSQL.
    """
    return _matching(
        patients_for_user(user=user), include_archived=include_archived, **_patterns(query)
    )


def _patterns(query: str) -> dict[str, LikePattern]:
    """What `query` tests, as LIKE patterns named by their place in the search (see
    `_matching`): `w<word>_<n>` for each word's texts (the word; for a phone, its digits, and
    those without a leading 0), and `whole` for the whole query when it has several words."""
    words = " ".join(query.split()).split(" ") if query.split() else []
    patterns = {}
    for number, word in enumerate(words):
        for alternative, text in enumerate(_word_texts(word)):
            patterns[f"w{number}_{alternative}"] = contains_pattern(text)
    if len(words) > 1:
        # The fields are joined by spaces: "ada fleetfoot" matches a first and last name.
        patterns["whole"] = contains_pattern(" ".join(words).upper())
    return patterns


def _word_texts(word: str) -> list[str]:
    # The fields are joined by spaces and a word has none, so a match never spans two fields.
    texts = [word.upper()]
    digits = re.sub(r"\D", "", word)
    if len(digits) >= 3 and len(digits) >= len(word) - 2:
        texts.append(digits)
        if digits.startswith("0"):
            # 07700 900123 is stored as +447700900123: drop the trunk prefix.
            texts.append(digits[1:])
    return texts


def _matching(patients, *, include_archived: bool, **patterns: LikePattern) -> PatientQuerySet:
    """`patients` whose SEARCH_TEXT every word matches (any of its patterns), or the whole
    query does. The SQL depends only on the patterns' names, so a page of a search compiles
    once per shape of query (`patients_search_page`)."""
    if not include_archived:
        patients = patients.active()
    if not patterns:
        return patients
    # One expression object, tested by every condition: its SQL is built once per table
    # alias (`_SearchText`), not once per condition.
    text = _SearchText()
    every_word: dict[str, Q] = {}
    for name, pattern in patterns.items():
        if name != "whole":
            word = name.split("_")[0]
            every_word[word] = every_word.get(word, Q()) | Q(Like(text, pattern))
    condition = Q()
    for alternatives in every_word.values():
        condition &= alternatives
    if "whole" in patterns:
        condition |= Q(Like(text, patterns["whole"]))
    return patients.filter(condition)


#: What the patient list shows of each patient (with the key): a full row is some twenty-five
#: columns the list never shows. The phone is read as its stored text (`phone_text`): the
#: list formats it itself (`patient_list_tags.international`) rather than parse every row's.
LIST_FIELDS = (
    "id",
    "public_id",
    "first_name",
    "last_name",
    "date_of_birth",
    "email",
    "archived_at",
    "episode_count",
)
#: Pages of a search read through SQL compiled once per process (`clinic/rows.py`), one
#: compiled query per page, shape of query and archived or not: the first PREPARED_PAGES pages
#: of a query of up to PREPARED_WORDS words. Anything further (rare: a search is narrowed, not
#: paged through) is compiled by the ORM each time, so what is kept per process stays small.
PREPARED_PAGES = 3
PREPARED_WORDS = 3


#: The order of a search's page: the model's (`Patient.Meta.ordering`), with the surname
#: written as an expression (`last_name || ''` sorts exactly as `last_name`) so that PostgreSQL
#: cannot take the order from the name index. The page counts every match (`COUNT(*) OVER ()`),
#: so walking that index in order saves no reading, yet the planner chose it for about half of
#: the surnames (when it guessed two matches in a hundred rather than one): it then tested
#: the search text of every patient (10,000 patients: 8 to 25 ms a search) instead of reading
#: the matches through the trigram index and sorting them (about 0.4 ms).
SEARCH_ORDER = (Concat(F("last_name"), Value("")), "first_name", "id")


def _listed(patients, *, searching: bool):
    listed = patients.only(*LIST_FIELDS).annotate(
        phone_text=ExpressionWrapper(F("phone"), output_field=CharField())
    )
    return listed.order_by(*SEARCH_ORDER) if searching else listed


def patients_search_page(
    *, user, query: str = "", include_archived: bool = False, number=None, size: int
) -> Page:
    """One page of `patients_search` (`size` patients, LIST_FIELDS and `phone_text` only),
    numbered as `Paginator.get_page` numbers pages: not a number gives the first page, a number
    past the end or below 1 the last. The page and how many patients match in all come from
    one query (a window count over every match); only a number past the end or below 1 costs
    the count and the page as two more, as the paginator asks. For staff, the first
    PREPARED_PAGES pages run SQL compiled once per process for each shape of query."""
    patterns = _patterns(query)
    try:
        wanted = int(number)
    except (TypeError, ValueError):
        wanted = 1
    start = (wanted - 1) * size
    # A number far past any end goes to the paginator too: PostgreSQL refuses an OFFSET beyond
    # its 64-bit integers.
    in_range = wanted >= 1 and start < 2**62
    words = sum(1 for name in patterns if name.endswith("_0"))
    rows = None
    if in_range and wanted <= PREPARED_PAGES and words <= PREPARED_WORDS and has_role(user, STAFF):
        shape = "_".join(sorted(patterns)) or "all"
        names, values = prepared_tuples(
            f"patients_search_rows_{int(include_archived)}_{wanted}_{size}_{shape}",
            Patient,
            _page_builder(include_archived=include_archived, start=start, size=size),
            **patterns,
        )
        rows = _listed_patients(names, values)
        if rows or wanted == 1:
            # The page and the count came in one statement: the ORM queryset of the whole
            # search (every condition resolved) is not built at all.
            paginator = Paginator(rows, size)
            paginator.count = rows[0].matching if rows else 0
            return Page(rows, wanted, paginator)
    patients = _listed(
        _matching(patients_for_user(user=user), include_archived=include_archived, **patterns),
        searching=bool(patterns),
    )
    paginator = Paginator(patients, size)
    if in_range and rows is None:
        rows = list(patients.annotate(matching=Window(Count("pk")))[start : start + size])
        if rows or wanted == 1:
            paginator.count = rows[0].matching if rows else 0
            return Page(rows, wanted, paginator)
    return paginator.get_page(wanted)


def _page_builder(*, include_archived: bool, start: int, size: int):
    """The staff's page query for `prepared_list`: a function of the patterns alone (the
    page's place and size are part of its name)."""

    def page(**patterns: LikePattern):
        matching = _matching(Patient.objects.all(), include_archived=include_archived, **patterns)
        listed = _listed(matching, searching=bool(patterns))
        counted = listed.annotate(matching=Window(Count("pk")))
        return counted.values(*LIST_FIELDS, "phone_text", "matching")[start : start + size]

    return page


@functools.cache
def _made_without_init() -> bool:
    return made_without_init(Patient, LIST_FIELDS)


def _listed_patients(names: list[str], rows: list[tuple]) -> list[Patient]:
    """The page's rows as the `Patient` instances the ORM's page query gives (LIST_FIELDS
    read, the rest deferred, with `phone_text` and `matching`), made without `__init__`'s
    walk over the model's some thirty fields where nothing listens to it."""
    alias = router.db_for_read(Patient)
    fields = len(LIST_FIELDS)
    if tuple(names[:fields]) != LIST_FIELDS:
        raise ValueError("the search page's columns are not LIST_FIELDS")
    phone, matching = names.index("phone_text"), names.index("matching")
    fast = _made_without_init() and not init_heard(Patient)
    patients = []
    for row in rows:
        values = row[:fields]
        if fast:
            patient = made(Patient, alias, LIST_FIELDS, values)
        else:
            patient = Patient.from_db(alias, LIST_FIELDS, values)
        patient.phone_text, patient.matching = row[phone], row[matching]
        patients.append(patient)
    return patients
