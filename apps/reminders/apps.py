from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "apps.reminders"
    label = "kefir_reminders"

    def ready(self) -> None:
        from apps.core.hooks import batch_deleted
        from apps.reminders.receivers import on_batch_deleted

        batch_deleted.connect(on_batch_deleted, dispatch_uid="reminders.on_batch_deleted")
