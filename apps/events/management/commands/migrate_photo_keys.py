from django.core.management.base import BaseCommand, CommandError

from apps.events.migration import migrate_photo_keys


class Command(BaseCommand):
    help = (
        "Move photo objects from the legacy layout users/{sub}/batches/{batch_id}/photos/ to opaque keys "
        "photos/{upload_id} with UPLOAD# items, rewriting their events. An offline operator command: it "
        "lists the bucket's legacy prefix page by page (a scan) and prints counts after each page. "
        "Idempotent and resumable: run it again until it reports listed=0 (see apps/events/migration.py)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None,
                            help="Stop after this many objects (to fit a Lambda's time limit); run again.")
        parser.add_argument("--page-size", type=int, default=1000, help="Objects per ListObjectsV2 page.")

    def handle(self, *args, **options):
        report = migrate_photo_keys(
            limit=options["limit"], page_size=options["page_size"],
            progress=lambda r: self.stdout.write(f"page {r.pages}: {r.summary()}"),
        )
        self.stdout.write(report.summary())
        if report.failed:
            raise CommandError(f"{report.failed} photo(s) failed to migrate; run the command again.")
