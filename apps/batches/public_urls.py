"""The public, unauthenticated share page (GET /b/{token}), outside the API."""

from django.urls import path

from apps.batches import views

urlpatterns = [
    path("b/<str:token>", views.public_page, name="public-batch-page"),
    path("b/<str:token>/", views.public_page),
    path("b/<str:token>/photos/<str:event_id>", views.public_photo, name="public-batch-photo"),
]
