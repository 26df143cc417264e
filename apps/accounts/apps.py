from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "kefir_accounts"

    def ready(self):
        from apps.accounts import openapi  # noqa: F401  (registers the bearer scheme with drf-spectacular)
