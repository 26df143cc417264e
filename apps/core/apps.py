import gc
import logging
import threading

from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "kefir_core"

    def ready(self):
        # Why both: kefir/settings/base.py, GC_THRESHOLDS.
        gc.freeze()
        gc.set_threshold(*settings.GC_THRESHOLDS)
        # Our log lines (apps.core.logging.JsonFormatter) name no source line, thread or process, so the
        # logging module need not look them up for every record (the logging HOWTO's "Optimization"):
        # finding the caller walks the stack, about a tenth of the cost of a log call.
        logging._srcfile = None
        logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
        if settings.JWKS_PREFETCH:
            from apps.core.authentication import prefetch_jwks

            threading.Thread(target=prefetch_jwks, name="jwks-prefetch", daemon=True).start()
