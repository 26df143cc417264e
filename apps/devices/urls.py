from apps.core.http.urls import both
from apps.devices import views

urlpatterns = [
    *both("devices", views.DeviceListView.as_view(), name="devices"),
    *both("devices/<str:device_id>", views.DeviceDetailView.as_view(), name="device"),
]
