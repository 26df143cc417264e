"""Small API helpers for the batch and timeline tests."""

MILK = {"name": "Morning milk", "kind": "milk", "temperature_c": 22, "grains_g": 15, "liquid_ml": 250}


def create_batch(api, **overrides) -> dict:
    response = api.post("/api/v1/batches", {**MILK, **overrides}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def add_event(api, batch_id: str, **fields) -> dict:
    response = api.post(f"/api/v1/batches/{batch_id}/events", {"type": "fed", **fields}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def patch(api, batch: dict, **changes):
    return api.patch(f"/api/v1/batches/{batch['id']}", {"version": batch["version"], **changes}, format="json")
