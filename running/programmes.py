"""Return-to-run programme templates, read from a versioned data file and checked at load.

`programmes/v1.toml` lists, per diagnosis, graded walk-run steps. A programme assigned to an
episode keeps a copy of its steps (`RunProgramme.steps`), so a later edit of the file never
changes a programme a patient is already following.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

PROGRAMMES_DIR = Path(__file__).resolve().parent / "programmes"
PROGRAMMES_PATH = PROGRAMMES_DIR / "v1.toml"

TERRAINS = {
    "flat": "Flat",
    "undulating": "Rolling (gentle ups and downs)",
    "uphill": "Uphill",
    "downhill": "Downhill",
    "mixed_hills": "Hilly (up and down)",
}
#: The hardest a run may feel, in order.
EFFORTS = {"easy": "Easy", "steady": "Steady", "hard": "Hard"}
EFFORT_ORDER = list(EFFORTS)
DIAGNOSES = {"neural", "lumbar", "acute_strain", "mixed_neural_lumbar"}

_STEP_KEYS = {
    "name",
    "walk_minutes",
    "run_minutes",
    "repeats",
    "extra_minutes",
    "extra",
    "terrain",
    "effort",
    "runs_to_move_on",
    "note",
}
_PROGRAMME_KEYS = {"key", "name", "diagnoses", "summary", "steps"}


class ProgrammeFileError(ValueError):
    """The programme file is malformed; the message names the file, programme and step."""


@dataclass(frozen=True)
class Step:
    name: str
    walk_minutes: int = 0
    run_minutes: int = 0
    repeats: int = 1
    extra_minutes: int = 0
    extra: str = ""
    terrain: tuple[str, ...] = ("flat",)
    effort: str = "easy"
    runs_to_move_on: int = 3
    note: str = ""

    @property
    def total_minutes(self) -> int:
        return (self.walk_minutes + self.run_minutes) * self.repeats + self.extra_minutes

    def what_to_do(self) -> str:
        """One plain sentence (or two) saying what a run at this step is."""
        walk, run, repeats = self.walk_minutes, self.run_minutes, self.repeats
        if walk and run:
            text = (
                f"Walk {walk} min, then jog {run} min; do this {repeats} times "
                f"({self.total_minutes} minutes in all)."
            )
        elif run:
            text = f"Run {run} minutes without stopping."
        else:
            text = f"Walk briskly for {walk} minutes."
        if self.extra:
            text = f"{text} {self.extra}"
        return text

    def terrain_text(self) -> str:
        labels = [TERRAINS[key].split(" (")[0].lower() for key in self.terrain]
        if len(labels) == 1:
            return f"{labels[0]} ground only"
        return ", ".join(labels[:-1]) + f" or {labels[-1]}"

    def effort_text(self) -> str:
        return {"easy": "easy", "steady": "easy to steady", "hard": "up to hard"}[self.effort]

    def as_dict(self) -> dict:
        data = asdict(self)
        data["terrain"] = list(self.terrain)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Step:
        return cls(**{**data, "terrain": tuple(data["terrain"])})


@dataclass(frozen=True)
class Template:
    key: str
    name: str
    diagnoses: tuple[str, ...]
    summary: str
    steps: tuple[Step, ...]
    version: str


def _int(value, where: str, name: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ProgrammeFileError(f"{where}: {name} must be a whole number from {low} to {high}")
    return value


def _step(data: dict, where: str) -> Step:
    unknown = set(data) - _STEP_KEYS
    if unknown:
        raise ProgrammeFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ProgrammeFileError(f"{where}: needs a name")
    walk = _int(data.get("walk_minutes", 0), where, "walk_minutes", 0, 120)
    run = _int(data.get("run_minutes", 0), where, "run_minutes", 0, 180)
    if walk + run == 0:
        raise ProgrammeFileError(f"{where}: give walk_minutes, run_minutes or both")
    terrain = data.get("terrain")
    if not isinstance(terrain, list) or not terrain:
        raise ProgrammeFileError(f"{where}: terrain must be a list of {', '.join(TERRAINS)}")
    for value in terrain:
        if value not in TERRAINS:
            raise ProgrammeFileError(
                f"{where}: terrain {value!r} is not one of {', '.join(TERRAINS)}"
            )
    effort = data.get("effort")
    if effort not in EFFORTS:
        raise ProgrammeFileError(f"{where}: effort {effort!r} is not one of {', '.join(EFFORTS)}")
    extra_minutes = _int(data.get("extra_minutes", 0), where, "extra_minutes", 0, 60)
    extra = data.get("extra", "")
    if bool(extra_minutes) != bool(extra):
        raise ProgrammeFileError(f"{where}: extra and extra_minutes go together")
    return Step(
        name=name.strip(),
        walk_minutes=walk,
        run_minutes=run,
        repeats=_int(data.get("repeats", 1), where, "repeats", 1, 20),
        extra_minutes=extra_minutes,
        extra=extra,
        terrain=tuple(terrain),
        effort=effort,
        runs_to_move_on=_int(data.get("runs_to_move_on"), where, "runs_to_move_on", 1, 10),
        note=data.get("note", ""),
    )


def load_programmes(path: Path | str = PROGRAMMES_PATH) -> dict[str, Template]:
    """Read and check a programme file: templates by key, in file order. Raises
    `ProgrammeFileError` naming the first bad entry."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ProgrammeFileError(f"{path.name}: cannot be read: {error}") from error
    version = path.stem.removeprefix("v")
    if data.get("version") != version:
        raise ProgrammeFileError(
            f"{path.name}: version must be {version!r} (the file name), got {data.get('version')!r}"
        )
    templates: dict[str, Template] = {}
    for index, entry in enumerate(data.get("programmes", []), start=1):
        where = f"{path.name}, programme {entry.get('key') or index!r}"
        unknown = set(entry) - _PROGRAMME_KEYS
        if unknown:
            raise ProgrammeFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        key = entry.get("key")
        if not isinstance(key, str) or not key or key in templates:
            raise ProgrammeFileError(f"{where}: needs a key of its own")
        for name in ("name", "summary"):
            if not isinstance(entry.get(name), str) or not entry[name].strip():
                raise ProgrammeFileError(f"{where}: needs a {name}")
        diagnoses = entry.get("diagnoses")
        if not isinstance(diagnoses, list) or not diagnoses or set(diagnoses) - DIAGNOSES:
            raise ProgrammeFileError(
                f"{where}: diagnoses must be a list from {', '.join(sorted(DIAGNOSES))}"
            )
        steps = entry.get("steps", [])
        if len(steps) < 2:
            raise ProgrammeFileError(f"{where}: needs at least two steps")
        templates[key] = Template(
            key=key,
            name=entry["name"],
            diagnoses=tuple(diagnoses),
            summary=entry["summary"],
            steps=tuple(_step(step, f"{where}, step {n}") for n, step in enumerate(steps, 1)),
            version=version,
        )
    if not templates:
        raise ProgrammeFileError(f"{path.name}: lists no [[programmes]]")
    return templates


@cache
def programmes() -> dict[str, Template]:
    """The current templates (loaded once per process)."""
    return load_programmes()


def templates_for(diagnosis: str | None) -> list[Template]:
    """Templates that suit a diagnosis first, then the rest (the therapist may choose any)."""
    every = list(programmes().values())
    return sorted(every, key=lambda template: diagnosis not in template.diagnoses)
