from django.apps import AppConfig


class GrainsConfig(AppConfig):
    name = "apps.grains"
    label = "kefir_grains"
