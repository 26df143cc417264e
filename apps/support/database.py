"""The admin's bookkeeping database (SQLite, nothing durable) is created on first use, once per process."""

import logging
import threading
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger("kefir.support")
_lock = threading.Lock()
_ready = False


def ensure_migrated() -> None:
    """Apply Django's migrations if this process has not checked yet (a fresh Lambda container's /tmp is empty)."""
    global _ready
    if _ready:
        return
    with _lock:
        if _ready:
            return
        # Imported here: the migration machinery is for staff sessions only, not every cold start.
        from django.core.management import call_command
        from django.db.migrations.executor import MigrationExecutor

        connection = connections[DEFAULT_DB_ALIAS]
        name = str(connection.settings_dict["NAME"])
        if connection.vendor == "sqlite" and name != ":memory:" and not name.startswith("file:"):
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            logger.info("creating the admin's database")
            call_command("migrate", interactive=False, verbosity=0)
        _ready = True


def forget_if_missing() -> None:
    """After a SnapStart restore: check again on next use if the database file is gone (Lambda keeps /tmp in
    the snapshot today; if that ever changed, the admin would otherwise meet a missing database)."""
    global _ready
    name = str(connections[DEFAULT_DB_ALIAS].settings_dict["NAME"])
    if _ready and name != ":memory:" and not name.startswith("file:") and not Path(name).exists():
        _ready = False
