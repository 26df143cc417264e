"""`python manage.py grant_staff EMAIL [--admin]`: let a user into the support console (locally, or on a stage
through `zappa manage <stage> "grant_staff EMAIL"`). The user must exist (have signed in to the app once)."""

from botocore.exceptions import ClientError
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.providers import get_provider


class Command(BaseCommand):
    help = "Add the user with this email to the identity provider's `staff` group (with --admin: `admin` too)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--admin", action="store_true", help="also make them a superuser (group `admin`)")

    def handle(self, *args, email: str, admin: bool, **options):
        provider = get_provider()
        email = email.strip().lower()
        if "@" not in email:
            raise CommandError("Give the user's email address.")
        if provider.get_user(email) is None:
            raise CommandError(f"No user with the email {email}; they must sign in to the app once first.")
        groups = ("staff", "admin") if admin else ("staff",)
        try:
            for group in groups:
                provider.add_to_group(email, group)
        except ClientError as exc:
            raise CommandError(f"The identity provider refused: {exc.response['Error'].get('Message', '')}") from exc
        self.stdout.write(f"{email} is now in {', '.join(groups)}; they can sign in at /admin/ with a code.")
