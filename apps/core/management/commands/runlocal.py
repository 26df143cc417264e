"""`make run`: the local AWS (unless AWS_ENDPOINT_URL is set), bootstrap, demo data, the API server."""

import signal
import socket

from django.conf import settings
from django.core.management import BaseCommand, CommandError, call_command

from apps.core import demo
from apps.core.aws.emulator import LocalAws, bootstrap_all


class Command(BaseCommand):
    help = "Serve the API on 127.0.0.1 with AWS emulated locally; Ctrl-C stops everything."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, port: int, **options):
        if not settings.LOCAL_AWS:
            raise CommandError("runlocal needs the local settings (kefir.settings.local).")
        # `kill` and CI stop us with SIGTERM: unwind like Ctrl-C so the data is saved.
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        emulator = None
        if settings.LOCAL_AWS_EXTERNAL:
            self.stdout.write(f"Using the AWS endpoint {settings.AWS_ENDPOINT_URL} (no emulator started).")
        else:
            if _port_in_use(settings.LOCAL_AWS_PORT):
                raise CommandError(
                    f"Port {settings.LOCAL_AWS_PORT} is taken (another `make run`?). "
                    "Set LOCAL_AWS_PORT to use another one."
                )
            emulator = LocalAws(port=settings.LOCAL_AWS_PORT, state_dir=settings.LOCAL_STATE_DIR)
            emulator.start()
            self.stdout.write(f"Local AWS (moto) on {settings.AWS_ENDPOINT_URL}")
        try:
            bootstrap_all()
            if emulator and emulator.restore():
                self.stdout.write(f"Restored local data from {emulator.snapshot_path}")
            settings.LOCAL_STATE_DIR.mkdir(parents=True, exist_ok=True)
            call_command("migrate", interactive=False, verbosity=0)
            if demo.seed_demo():
                self.stdout.write(f"Seeded the demo user {demo.DEMO_EMAIL}")
            if emulator:
                emulator.keep_snapshotting()
            self.stdout.write(f"API on http://127.0.0.1:{port}/api/v1/  (docs: /api/docs/)")
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
        finally:
            if emulator:
                emulator.stop()
                self.stdout.write("Local AWS stopped; data saved.")


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0
