from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "apps.support"
    label = "kefir_support"

    def ready(self):
        from apps.core import hooks
        from apps.support import database

        # SnapStart: the console's SQLite database is made before the snapshot, and checked after a restore.
        hooks.before_snapshot.connect(lambda **_: database.ensure_migrated(), weak=False,
                                      dispatch_uid="support-database-migrated")
        hooks.after_restore.connect(lambda **_: database.forget_if_missing(), weak=False,
                                    dispatch_uid="support-database-checked")
