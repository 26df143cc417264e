from apps.accounts import views
from apps.core.http.urls import both

urlpatterns = [
    *both("auth/login", views.LoginView.as_view(), name="auth-login"),
    *both("auth/verify", views.VerifyView.as_view(), name="auth-verify"),
    *both("auth/refresh", views.RefreshView.as_view(), name="auth-refresh"),
    *both("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    *both("me", views.MeView.as_view(), name="me"),
]
