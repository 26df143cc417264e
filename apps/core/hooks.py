"""Cross-app contracts, so one app's cascade never imports another app's internals.

- `batch_deleted` (Django signal), sent by the batches service after a batch and its timeline are
  gone, with keyword arguments `user_id` and `batch_id`. Receivers (reminders, ...) remove what
  hangs off the batch; they must be idempotent.
- `before_snapshot` and `after_restore` (Django signals, no arguments), sent by apps.core.snapstart while
  Lambda prepares a SnapStart snapshot (after core has loaded everything, before connections are closed)
  and right after a restore: an app connects what it must build or reset (e.g. the support console's
  database).
- Account erasure: every app that stores user data provides `apps/<app>/erasure.py` with
  `erase_user(*, user_id: str) -> None` (idempotent; a retry after a partial failure finishes the
  job). The erasure service calls them in ERASURE_ORDER.
"""

from django.dispatch import Signal

batch_deleted = Signal()
before_snapshot = Signal()
after_restore = Signal()

ERASURE_ORDER = ["reminders", "devices", "events", "batches", "grains", "exports", "core", "accounts"]
