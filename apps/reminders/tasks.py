"""Zappa's scheduled event (every 5 minutes) enters here."""

import os


def process_due_reminders(event, context):
    """One delivery run (the same code as `manage.py process_reminders`); returns its counts."""
    # Zappa may call a scheduled function before anything set Django up in this container.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefir.settings.aws")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    from apps.reminders.processor import process_due

    report = process_due()
    return {"due": report.due, "sent": report.sent, "retried": report.retried, "failed": report.failed,
            "dropped": report.dropped, "skipped": report.skipped, "push_failures": report.push_failures}
