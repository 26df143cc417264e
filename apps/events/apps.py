from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "apps.events"
    label = "kefir_events"
