# The public, unauthenticated share page (GET /b/{token}) is routed here.
urlpatterns: list = []
