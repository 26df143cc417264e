from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.core.http import views as core_views
from apps.core.http.urls import both

# Each app's API lives in its own urls.py under /api/v1/ (paths relative to it).
API_APPS = ("accounts", "batches", "events", "reminders", "devices", "grains", "exports")

urlpatterns = [
    *both("api/health", core_views.HealthView.as_view(), name="health"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/schema", SpectacularAPIView.as_view()),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/docs", SpectacularSwaggerView.as_view(url_name="schema")),
    *both("api/v1", core_views.ApiRootView.as_view(), name="api-root"),
    *[path("api/v1/", include(f"apps.{app}.urls")) for app in API_APPS],
    path("", include("apps.batches.public_urls")),
    path("admin/", include("apps.support.urls", namespace="admin")),
    re_path(r"^api/", core_views.api_not_found),
]

handler400 = "apps.core.http.views.handler400"
handler403 = "apps.core.http.views.handler403"
handler404 = "apps.core.http.views.handler404"
handler500 = "apps.core.http.views.handler500"
