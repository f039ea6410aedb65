"""The foundation stands below every app: nothing in clinic/ imports an app built on top of it."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ABOVE = {"patients", "assessments", "exercises", "bookings", "notifications", "portal", "loadgen"}
#: (module, imported app) pairs allowed to break the rule, each with its reason. None today.
ALLOWED: set[tuple[str, str]] = set()


def imported_top_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(str(node.args[0].value).split(".")[0])
    return names


def test_it_finds_no_import_of_a_higher_app_in_the_foundation():
    offenders = []
    for path in sorted((ROOT / "clinic").rglob("*.py")):
        module = path.relative_to(ROOT).as_posix()
        for app in imported_top_names(ast.parse(path.read_text(), filename=module)) & ABOVE:
            if (module, app) not in ALLOWED:
                offenders.append(f"{module} imports {app}")
    assert offenders == [], (
        "move the code up to the app it serves, or plug in via clinic/plugins.py"
    )


def test_it_reads_imports_anywhere_in_a_module():
    source = "def f():\n    from patients.models import Patient\nimport_module('bookings.panels')\n"
    assert imported_top_names(ast.parse(source)) >= {"patients", "bookings"}


def test_it_keeps_the_project_package_out_of_the_foundation():
    for name in ("settings.py", "urls.py", "celery.py", "wsgi.py", "asgi.py"):
        assert (ROOT / "config" / name).is_file(), name
    for name in ("settings.py", "celery.py", "wsgi.py", "asgi.py", "load_data.py", "bulk.py"):
        assert not (ROOT / "clinic" / name).exists(), name
