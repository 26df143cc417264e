import gc

from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "kefir_core"

    def ready(self):
        # Why: kefir/settings/base.py, GC_THRESHOLDS.
        gc.set_threshold(*settings.GC_THRESHOLDS)
        from apps.core import snapstart

        snapstart.register()
