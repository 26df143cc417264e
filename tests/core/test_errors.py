import json

import pytest

pytestmark = pytest.mark.urls("tests.core.urls")


def assert_envelope(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def test_validation_errors_are_400_invalid_with_fields(user_api):
    error = assert_envelope(user_api.post("/probe/things", {"name": "x" * 11}, format="json"), 400, "invalid")
    assert list(error["fields"]) == ["name"]


def test_malformed_json_is_400_invalid(user_api):
    response = user_api.post("/probe/things", data="{not json", content_type="application/json")
    assert_envelope(response, 400, "invalid")


def test_missing_token_is_401_not_authenticated(api):
    assert_envelope(api.get("/probe/whoami"), 401, "not_authenticated")


def test_unknown_api_path_is_404_not_found(api):
    assert_envelope(api.get("/api/v1/no-such-thing"), 404, "not_found")
    assert_envelope(api.post("/api/nothing/here", {}, format="json"), 404, "not_found")


def test_wrong_method_is_405(user_api):
    assert_envelope(user_api.delete("/probe/whoami"), 405, "method_not_allowed")


def test_unexpected_exception_is_500_server_error_without_internals(user_api):
    user_api.raise_request_exception = False
    response = user_api.get("/probe/boom")
    error = assert_envelope(response, 500, "server_error")
    text = json.dumps(error)
    for leak in ("Traceback", "RuntimeError", "kefir-app-test", "USER#", "secret internal"):
        assert leak not in text


def test_oversized_body_is_413_payload_too_large(user_api, settings):
    body = json.dumps({"name": "x" * (settings.API_MAX_BODY_BYTES + 1)})
    response = user_api.post("/probe/things", data=body, content_type="application/json")
    assert_envelope(response, 413, "payload_too_large")


def test_unsupported_media_type_is_415(user_api):
    response = user_api.post("/probe/things", data="name=x", content_type="application/x-www-form-urlencoded")
    assert_envelope(response, 415, "unsupported_media_type")


def test_dynamodb_unreachable_is_503_unavailable_with_retry_after(user, settings):
    from botocore.exceptions import EndpointConnectionError
    from pynamodb.exceptions import QueryError

    from apps.core.http.errors import to_api_error

    wrapped = QueryError("Failed to query items", EndpointConnectionError(endpoint_url="http://x"))
    error = to_api_error(wrapped)
    assert (error.status_code, error.code, error.headers["Retry-After"]) == (503, "unavailable", "1")


def test_a_disallowed_host_under_api_is_400_in_the_envelope(api):
    response = api.get("/api/health", HTTP_HOST="evil.example.com")
    assert_envelope(response, 400, "invalid")


# Behind a named API Gateway stage the WSGI SCRIPT_NAME is the stage: request.path is /dev/api/..., while
# path_info (what the URLconf routes) is /api/... (tests/deploy/test_lambda_events.py replays it through Zappa).
STAGE = {"SCRIPT_NAME": "/dev"}


def test_under_a_stage_django_errors_under_api_stay_in_the_envelope(api):
    assert_envelope(api.get("/api/v1/no-such-thing", **STAGE), 404, "not_found")
    assert_envelope(api.get("/api/health", HTTP_HOST="evil.example.com", **STAGE), 400, "invalid")
    api.raise_request_exception = False
    for prefix in ({}, STAGE):
        error = assert_envelope(api.get("/api/probe/plain-boom", **prefix), 500, "server_error")
        assert "secret internal" not in json.dumps(error)


def test_under_a_stage_an_oversized_body_is_refused_before_the_view(api, settings):
    body = json.dumps({"name": "x" * (settings.API_MAX_BODY_BYTES + 1)})
    # No token: the body limit answers before authentication would (a 401).
    assert_envelope(api.post("/api/v1/batches", data=body, content_type="application/json", **STAGE),
                    413, "payload_too_large")


@pytest.mark.parametrize("prefix", [{}, STAGE], ids=["at-the-root", "under-a-stage"])
def test_with_csrf_checks_as_a_browser_an_unknown_api_path_is_still_a_404(prefix):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    for method in ("post", "put", "patch", "delete"):
        response = getattr(browser, method)("/api/v1/no-such-thing", data="{}", content_type="application/json",
                                             **prefix)
        assert_envelope(response, 404, "not_found")


def test_a_csrf_refusal_is_the_envelope_under_api_and_djangos_page_elsewhere(rf):
    from apps.core.http.views import csrf_failure

    for extra in ({}, STAGE):
        refused = csrf_failure(rf.post("/api/v1/things", **extra), reason="CSRF cookie not set.")
        assert refused.status_code == 403
        assert json.loads(refused.content)["error"]["code"] == "permission_denied"
    page = csrf_failure(rf.post("/admin/login/", **STAGE), reason="CSRF cookie not set.")
    assert page.status_code == 403
    assert page["Content-Type"].startswith("text/html")
