from apps.core.http.urls import both
from apps.grains import views

urlpatterns = [
    *both("grains", views.GrainsListView.as_view(), name="grains-list"),
    *both("grains/<str:grains_id>", views.GrainsDetailView.as_view(), name="grains-detail"),
    *both("grains/<str:grains_id>/weighings", views.GrainsWeighingsView.as_view(), name="grains-weighings"),
    *both("grains/<str:grains_id>/splits", views.GrainsSplitsView.as_view(), name="grains-splits"),
]
