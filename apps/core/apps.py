import gc

from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "kefir_core"

    def ready(self):
        gc.set_threshold(*settings.GC_THRESHOLDS)  # why: kefir/settings/base.py
