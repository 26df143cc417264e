from apps.core.http.urls import both
from apps.events import views

urlpatterns = [
    *both("batches/<str:batch_id>/events", views.EventListView.as_view(), name="event-list"),
    *both("batches/<str:batch_id>/events/<str:event_id>", views.EventDetailView.as_view(), name="event-detail"),
    *both("batches/<str:batch_id>/photos", views.PhotoUploadView.as_view(), name="batch-photos"),
]
