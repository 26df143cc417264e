from django.core.management.base import BaseCommand

from apps.reminders import repository


class Command(BaseCommand):
    help = ("Move pending reminders from the legacy due-index key DUE#{hour} to DUE#{hour}#{shard}, then let the "
            "next delivery run read the whole 48-hour lookback. Run once after deploying sharding; idempotent "
            "and resumable: run it again until it prints 'done'.")

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="move at most this many, then stop")

    def handle(self, *args, limit=None, **options):
        # Forget the due watermarks before and after moving: a run in between may have passed the hour of
        # a reminder moved after that run's query; without a watermark the next run reads 48 hours again.
        repository.watermarks_forget_due()
        result = repository.legacy_due_rekey(limit=limit)
        repository.watermarks_forget_due()
        earliest = result.earliest_due.isoformat() if result.earliest_due else "-"
        state = "done" if result.finished else "stopped at the limit: run it again"
        self.stdout.write(f"moved={result.moved} earliest_due={earliest} {state}")
