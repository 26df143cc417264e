from apps.core.http.urls import both
from apps.reminders import views

urlpatterns = [
    *both("reminders", views.ReminderListView.as_view(), name="reminders"),
    *both("reminders/<str:reminder_id>", views.ReminderDetailView.as_view(), name="reminder"),
    *both("batches/<str:batch_id>/reminders/suggestions", views.SuggestionListView.as_view(),
          name="reminder-suggestions"),
    *both("me/calibration", views.CalibrationView.as_view(), name="me-calibration"),
]
