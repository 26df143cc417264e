from django.core.management.base import BaseCommand

from apps.reminders.processor import process_due


class Command(BaseCommand):
    help = "One delivery run: push every due pending reminder through Expo (the scheduled event's code)."

    def handle(self, *args, **options):
        report = process_due()
        self.stdout.write(
            f"due={report.due} sent={report.sent} retried={report.retried} failed={report.failed} "
            f"dropped={report.dropped} skipped={report.skipped} expo_requests={report.expo_requests} "
            f"push_failures={report.push_failures} devices_removed={report.devices_removed}"
        )
