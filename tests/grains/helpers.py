"""Small API helpers for the grains tests."""

MILK_GRAINS = {"name": "Grandma's grains", "kind": "milk", "mass_g": 20}


def create_grains(api, **overrides) -> dict:
    response = api.post("/api/v1/grains", {**MILK_GRAINS, **overrides}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def weigh(api, grains_id: str, mass_g: float, measured_at: str | None = None) -> dict:
    body = {"mass_g": mass_g} if measured_at is None else {"mass_g": mass_g, "measured_at": measured_at}
    response = api.post(f"/api/v1/grains/{grains_id}/weighings", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def split(api, grains_id: str, mass_g: float, to: str = "new", **extra):
    return api.post(f"/api/v1/grains/{grains_id}/splits", {"mass_g": mass_g, "to": to, **extra}, format="json")
