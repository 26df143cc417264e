from django.urls import path, re_path

from apps.core import views as core_views
from apps.core.urls import both, lazy_include

# Each app's API lives in its own urls.py under /api/v1/ (paths relative to it), with the first path
# segments it serves: an app's URLconf and views are imported on the first request for one of them.
API_APPS = {
    "accounts": ("auth", "me"),
    "batches": ("batches", "public"),
    "events": ("batches",),
    "reminders": ("reminders", "batches", "me"),
    "devices": ("devices",),
    "exports": ("exports",),
}

urlpatterns = [
    *both("api/health", core_views.HealthView.as_view(), name="health"),
    path("api/schema/", core_views.schema, name="schema"),
    path("api/schema", core_views.schema),
    path("api/docs/", core_views.swagger_ui, name="swagger-ui"),
    path("api/docs", core_views.swagger_ui),
    *both("api/v1", core_views.ApiRootView.as_view(), name="api-root"),
    *[lazy_include("api/v1/", f"apps.{app}.urls", first_segments=segments) for app, segments in API_APPS.items()],
    lazy_include("", "apps.batches.public_urls", first_segments=("b",)),
    lazy_include("admin/", "apps.support.urls", namespace="admin"),
    re_path(r"^api/", core_views.api_not_found),
]

handler400 = "apps.core.views.handler400"
handler403 = "apps.core.views.handler403"
handler404 = "apps.core.views.handler404"
handler500 = "apps.core.views.handler500"
