"""Which database each query goes to: the primary, unless a read opted in to the replica.

Reads go to the replica only inside `clinic.replica.reading_replica()` (or a view decorated
with `replica_reads`), which has already checked that the replica answers, is not lagging and
that the visitor has not just written. Only reports and exports opt in. Even then the primary
serves any read inside a transaction on the primary, which must see the transaction's own
writes. Writes and migrations always go to the primary.

Bookings always use the primary: no page or service of the bookings app opts in (a test walks
every route), and the booking services decide slots inside transactions, where every read is
the primary's. A report may still read appointments from the replica: figures a few seconds
old are fine there, and that is the heavy reading the replica is for.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections

from clinic import replica


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        alias = replica.current_alias()
        if alias is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same rows: an object read from the replica may point at one
        # written on the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
