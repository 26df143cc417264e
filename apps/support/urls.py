"""The support console's URLs (the admin site's), imported on the first /admin/ request (kefir.urls)."""

from apps.support.sites import site

app_name = site.name
urlpatterns = site.get_urls()
