"""One loopback cluster for the whole session (tests/cluster/harness.py), started on first use.

The checks that stop the cluster (test_teardown.py) run after every other cluster check.
"""

from __future__ import annotations

import pytest

from tests.cluster.harness import Cluster

LAST = "test_teardown.py"


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: item.fspath.basename == LAST)


@pytest.fixture(autouse=True)
def _suite_database(db):
    """The suite's session fixtures need the test database set up (pytest-django only sets it
    up for a run with a database test in it); the cluster checks themselves never use it."""


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    running = Cluster(tmp_path_factory.mktemp("cluster") / "cluster.log")
    yield running
    running.stop()
