"""One loopback cluster for the whole session (tests/cluster/harness.py), started on first use.

The checks that stop the cluster (test_teardown.py) run right after the other cluster checks,
so in a whole-suite run the cluster is up only while tests/cluster runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cluster.harness import Cluster

DIRECTORY = str(Path(__file__).parent)
LAST = "test_teardown.py"


def pytest_collection_modifyitems(config, items):
    here = [n for n, item in enumerate(items) if item.fspath.dirname == DIRECTORY]
    if here:
        ours = [items[n] for n in here]
        ours.sort(key=lambda item: item.fspath.basename == LAST)  # stable: the rest keep order
        for n, item in zip(here, ours, strict=True):
            items[n] = item


@pytest.fixture(autouse=True)
def _suite_database(db):
    """The suite's session fixtures need the test database set up (pytest-django only sets it
    up for a run with a database test in it); the cluster checks themselves never use it."""


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    running = Cluster(tmp_path_factory.mktemp("cluster") / "cluster.log")
    yield running
    running.stop()
