"""The support console: Django's admin site, signing staff in with the emailed code, with pages over DynamoDB.

Django's database holds no product data, so the pages are custom admin views (wrapped in `admin_view`, so
only active staff reach them) rendered with templates that extend the admin's own.
"""

import logging

from django.contrib import admin, messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from apps.accounts import services as accounts
from apps.accounts.views import client_ip
from apps.core import ids
from apps.core.http.errors import ApiError, NotFound
from apps.support import database, overview, repository, services, staff
from apps.support.forms import CodeForm, EmailForm, UserSearchForm

logger = logging.getLogger("kefir.support")
LOGIN_STATE = "kefir_staff_login"  # between the two steps: the email and the code's session
AUDIT_PAGE = 50


class SupportAdminSite(admin.AdminSite):
    site_header = "Kefir support"
    site_title = "Kefir support"
    index_title = "Support console"
    login_template = "support/login.html"
    # "View site" leads developers to the browsable API, which this same sign-in opens.
    site_url = "/api/v1/"

    def get_urls(self):
        own = [
            path("support/users/", self.admin_view(self.user_list), name="support_users"),
            path("support/users/<str:user_id>/", self.admin_view(self.user_detail), name="support_user"),
            path("support/users/<str:user_id>/batches/<str:batch_id>/", self.admin_view(self.batch_detail),
                 name="support_batch"),
            path("support/users/<str:user_id>/actions/<slug:action>/<str:target_id>/",
                 self.admin_view(self.action), name="support_action"),
            path("support/audit/", self.admin_view(self.audit_log), name="support_audit"),
        ]
        return own + super().get_urls()

    def get_app_list(self, request, app_label=None):
        """The index lists the support pages as the admin lists models."""
        pages = [
            {"name": "Users", "object_name": "User", "perms": {"view": True}, "view_only": True,
             "admin_url": reverse("admin:support_users", current_app=self.name), "add_url": None},
            {"name": "Audit log", "object_name": "AuditEntry", "perms": {"view": True}, "view_only": True,
             "admin_url": reverse("admin:support_audit", current_app=self.name), "add_url": None},
        ]
        support = {"name": "Support", "app_label": "support", "app_url": pages[0]["admin_url"],
                   "has_module_perms": True, "models": pages}
        return [support, *super().get_app_list(request, app_label)] if app_label in (None, "support") else \
            super().get_app_list(request, app_label)

    # --- sign-in ----------------------------------------------------------------------------
    @method_decorator(never_cache)
    @method_decorator(csrf_protect)
    def login(self, request, extra_context=None):
        """Two steps: the email gets a code, then the code signs in, if the identity is staff or admin."""
        database.ensure_migrated()
        redirect_to = request.POST.get("next") or request.GET.get("next") or ""
        if not url_has_allowed_host_and_scheme(redirect_to, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            redirect_to = reverse("admin:index", current_app=self.name)
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(redirect_to)
        state = request.session.get(LOGIN_STATE)
        step = request.POST.get("step") if request.method == "POST" else None
        if request.method == "GET" and request.GET.get("restart"):
            request.session.pop(LOGIN_STATE, None)
            state = None
        if step == "code" and isinstance(state, dict):
            return self._login_code(request, state, redirect_to, extra_context)
        if step == "email":
            form = EmailForm(request.POST)
            if form.is_valid():
                email = form.cleaned_data["email"].strip().lower()
                try:
                    challenge = accounts.auth_login_start(email=email, client_ip=client_ip(request))
                except ApiError as exc:
                    return self._render_login(request, "email", form, None, redirect_to, extra_context,
                                              error=exc.message)
                else:
                    request.session[LOGIN_STATE] = {"email": email, "session": challenge.session}
                    return self._render_login(request, "code", CodeForm(), email, redirect_to, extra_context)
            return self._render_login(request, "email", form, None, redirect_to, extra_context)
        if isinstance(state, dict) and request.method == "GET" and not request.GET.get("restart"):
            return self._render_login(request, "code", CodeForm(), state["email"], redirect_to, extra_context)
        return self._render_login(request, "email", EmailForm(), None, redirect_to, extra_context)

    def _login_code(self, request, state, redirect_to, extra_context):
        form = CodeForm(request.POST)
        if not form.is_valid():
            return self._render_login(request, "code", form, state["email"], redirect_to, extra_context)
        try:
            result = accounts.auth_login_verify(email=state["email"], session=state["session"],
                                                code=form.cleaned_data["code"])
        except accounts.InvalidCode as exc:
            request.session[LOGIN_STATE] = {**state, "session": exc.extra["session"]}
            form.add_error("code", "That code is not right. Try again.")
            return self._render_login(request, "code", form, state["email"], redirect_to, extra_context)
        except ApiError as exc:
            # Expired, too many tries or an unknown session: only a new code helps.
            request.session.pop(LOGIN_STATE, None)
            return self._render_login(request, "email", EmailForm(initial={"email": state["email"]}), None,
                                      redirect_to, extra_context, error=exc.message)
        request.session.pop(LOGIN_STATE, None)
        if not staff.is_staff_member(result.groups):
            logger.info("sign-in to the support console refused: not staff", extra={"user_id": result.user_id})
            return self._render_login(request, "email", EmailForm(), None, redirect_to, extra_context,
                                      error="This account is not a member of the support staff.")
        staff.staff_sign_in(request, sub=result.user_id, email=state["email"], groups=result.groups)
        logger.info("staff signed in to the support console", extra={"user_id": result.user_id})
        return HttpResponseRedirect(redirect_to)

    def _render_login(self, request, step, form, email, redirect_to, extra_context, *, error: str | None = None):
        context = {
            "error": error,
            **self.each_context(request), "title": "Sign in", "subtitle": None, "step": step, "form": form,
            "email": email, "next": redirect_to, "site_header": self.site_header, **(extra_context or {}),
        }
        request.current_app = self.name
        return render(request, self.login_template, context)

    # --- pages ------------------------------------------------------------------------------
    def _context(self, request, **values):
        return {**self.each_context(request), **values}

    def user_list(self, request):
        form = UserSearchForm(request.GET)
        query = form.cleaned_data["q"] if form.is_valid() else ""
        found = overview.users_find(query=query)
        return render(request, "support/user_list.html", self._context(
            request, title="Users", form=form, query=query, users=found,
        ))

    def user_detail(self, request, user_id: str):
        found = overview.user_overview(user_id=user_id)
        if found is None:
            raise Http404("No such user.")
        return render(request, "support/user_detail.html", self._context(
            request, title=found.identity.email or found.identity.sub, subtitle="User", page=found,
            actions=services.ACTIONS,
        ))

    def batch_detail(self, request, user_id: str, batch_id: str):
        found = overview.batch_overview(user_id=user_id, batch_id=batch_id) if ids.is_id(batch_id) else None
        if found is None:
            raise Http404("No such batch.")
        return render(request, "support/batch_detail.html", self._context(
            request, title=found.batch.name, subtitle="Batch", page=found, actions=services.ACTIONS,
        ))

    def action(self, request, user_id: str, action: str, target_id: str):
        spec = services.ACTIONS.get(action)
        identity = overview.user_identity(user_id=user_id) if spec is not None else None
        if spec is None or identity is None:
            raise Http404("No such action or user.")
        back = reverse("admin:support_user", args=[identity.sub], current_app=self.name)
        requested_back = request.POST.get("back") if request.method == "POST" else request.GET.get("back")
        if requested_back and url_has_allowed_host_and_scheme(requested_back, allowed_hosts={request.get_host()}):
            back = requested_back
        if request.method == "POST":
            member = staff.staff_of(request)
            actor = services.Actor(id=member.sub, email=member.email)
            try:
                entry = services.support_action_perform(actor=actor, action=spec.name, user_id=identity.sub,
                                                target_id=target_id)
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except ApiError as exc:
                messages.error(request, f"{spec.title}: {exc.message}")
                return HttpResponseRedirect(back)
            messages.success(request, f"{spec.done} ({entry.detail})" if entry.detail else spec.done)
            if spec.name == "delete_account":
                return HttpResponseRedirect(reverse("admin:support_users", current_app=self.name))
            return HttpResponseRedirect(back)
        return render(request, "support/confirm.html", self._context(
            request, title="Are you sure?", action=spec, identity=identity, target_id=target_id, back=back,
        ))

    def audit_log(self, request):
        staff_id = (request.GET.get("staff") or "").strip() or None
        user_id = (request.GET.get("user") or "").strip() or None
        before = (request.GET.get("before") or "").strip() or None
        if before is not None and not _is_position(before):
            before = None
        if user_id:
            entries = repository.audit_entries_for_user(user_id=user_id, limit=AUDIT_PAGE + 1, before=before,
                                                        actor_id=staff_id)
        else:
            entries = repository.audit_entries_recent(limit=AUDIT_PAGE + 1, before=before, actor_id=staff_id)
        shown = entries[:AUDIT_PAGE]
        # The filter sidebar offers the staff members and users of this page (and the active filters).
        actors = dict.fromkeys([(e.actor_id, e.actor_email) for e in shown])
        if staff_id and staff_id not in {actor for actor, _ in actors}:
            actors[(staff_id, staff_id)] = None
        targets = dict.fromkeys([e.target_user_id for e in shown if e.target_user_id] + ([user_id] if user_id else []))
        return render(request, "support/audit_log.html", self._context(
            request, title="Audit log", entries=shown, actors=list(actors), targets=list(targets),
            older=entries[AUDIT_PAGE - 1].position if len(entries) > AUDIT_PAGE else None,
            staff_id=staff_id, user_id=user_id, before=before,
        ))


def _is_position(value: str) -> bool:
    at, _, entry_id = value.partition("#")
    return len(at) == 24 and at.endswith("Z") and ids.is_id(entry_id)


site = SupportAdminSite(name="admin")
