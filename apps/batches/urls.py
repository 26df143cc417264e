from apps.batches import views
from apps.core.http.urls import both

urlpatterns = [
    *both("batches", views.BatchListView.as_view(), name="batch-list"),
    *both("batches/<str:batch_id>", views.BatchDetailView.as_view(), name="batch-detail"),
    *both("batches/<str:batch_id>/share", views.BatchShareView.as_view(), name="batch-share"),
    *both("public/b/<str:token>", views.PublicBatchView.as_view(), name="public-batch"),
]
