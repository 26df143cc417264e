import json

from apps.core.aws.counting import count_requests


def test_health_is_ok_without_auth_and_touches_nothing_remote(api):
    with count_requests() as counter:
        response = api.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert counter.count == 0
    assert api.get("/api/health/").status_code == 200


def test_the_schema_is_a_valid_openapi_3_document(api):
    from openapi_spec_validator import validate

    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    validate(document)
    assert "/api/health" in document["paths"]
    assert "/api/health/" not in document["paths"]
    assert "Error" in document["components"]["schemas"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    # No implementation detail leaks into the published descriptions (e.g. an inherited class docstring).
    text = json.dumps(document)
    for internal in ("tests/", "apps.", "DRF", "PynamoDB", "botocore"):
        assert internal not in text, internal


def test_swagger_ui_and_browsable_api_answer(api):
    assert api.get("/api/docs/").status_code == 200
    response = api.get("/api/v1/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"Django REST framework" in response.content
