"""Which database each query goes to: the primary, unless a read opted in to the replica.

Reads go to the replica only inside `clinic.replica.reading_replica()` (or a view decorated
with `replica_reads`), which has already checked that the replica answers, is not lagging and
that the visitor has not just written. Even then the primary serves:
- booking data (every model of the bookings package): slots and double bookings are decided
  on it, so nobody should ever see a booking the primary no longer holds;
- any read inside a transaction on the primary, which must see the transaction's own writes.
Writes and migrations always go to the primary.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections

from clinic import replica

PRIMARY_ONLY_PACKAGES = ("bookings",)


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        alias = replica.current_alias()
        if alias is None or _primary_only(model) or connections[DEFAULT_DB_ALIAS].in_atomic_block:
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


def _primary_only(model) -> bool:
    package = model.__module__.split(".", 1)[0]
    return package in PRIMARY_ONLY_PACKAGES
