"""Who the staff member of a session is, re-checked with the identity provider every 15 minutes."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject


class StaffSessionMiddleware:
    """After AuthenticationMiddleware: a request carrying a staff session gets that staff member as
    `request.user` (the admin and DRF's SessionAuthentication read it). Requests without a session cookie
    outside /admin/ (the mobile API) pay nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # path_info: behind a named API Gateway stage, `path` starts with the stage (/dev/admin/...).
        if request.path_info.startswith("/admin/") or settings.SESSION_COOKIE_NAME in request.COOKIES:
            # Imported here: the identity provider and the admin's database are for staff sessions only,
            # not for every container's cold start.
            from apps.support import database, staff

            database.ensure_migrated()
            member = staff.staff_of(request)
            if member is not None:
                member = staff.staff_recheck(request, member)
                if member is None:
                    request.session.flush()
                else:
                    user = SimpleLazyObject(lambda: staff.mirrored_user(member))
                    request.user = user

                    async def auser():
                        return user

                    request.auser = auser
        return self.get_response(request)
