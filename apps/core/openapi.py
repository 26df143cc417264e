"""The schema generator: drf-spectacular's, with the views' deferred annotations applied first
(see apps.core.schema). Named by SPECTACULAR_SETTINGS["DEFAULT_GENERATOR_CLASS"], so it and
drf-spectacular load only when a schema is generated."""

from django.urls import get_resolver
from drf_spectacular.generators import SchemaGenerator as SpectacularSchemaGenerator

from apps.core.schema import apply_deferred_annotations


class SchemaGenerator(SpectacularSchemaGenerator):
    def get_schema(self, request=None, public=False):
        # Import every view module first, so every annotation is recorded.
        get_resolver(self.urlconf).reverse_dict  # noqa: B018
        apply_deferred_annotations()
        return super().get_schema(request=request, public=public)
