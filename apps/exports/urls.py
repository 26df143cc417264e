from apps.core.http.urls import both
from apps.exports import views

urlpatterns = [
    *both("exports/batches.csv", views.BatchesCsvView.as_view(), name="exports-batches-csv"),
    *both("exports/events.csv", views.EventsCsvView.as_view(), name="exports-events-csv"),
    *both("exports", views.ExportsView.as_view(), name="exports"),
    *both("exports/<str:export_id>", views.ExportDetailView.as_view(), name="export-detail"),
]
