import secrets

import pytest

from apps.devices import repository


def token(prefix="ExponentPushToken"):
    return f"{prefix}[{secrets.token_urlsafe(16)}]"


def register(api, value, platform="ios", **extra):
    return api.post("/api/v1/devices", {"token": value, "platform": platform, **extra}, format="json")


def test_registering_a_token_creates_a_device_listed_for_its_owner_only(user_api, other_api):
    value = token()
    response = register(user_api, value, name="Kitchen phone")
    assert response.status_code == 201
    device = response.json()
    assert device["token"] == value and device["platform"] == "ios" and device["name"] == "Kitchen phone"
    listed = user_api.get("/api/v1/devices").json()
    assert [d["id"] for d in listed["results"]] == [device["id"]]
    assert listed["next_cursor"] is None
    assert other_api.get("/api/v1/devices").json()["results"] == []


def test_registering_the_same_token_again_returns_the_existing_device_with_200(user_api):
    value = token()
    first = register(user_api, value).json()
    again = register(user_api, value, platform="ios")
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert len(user_api.get("/api/v1/devices").json()["results"]) == 1


def test_the_newer_expo_token_format_is_accepted(user_api):
    assert register(user_api, token("ExpoPushToken"), platform="android").status_code == 201


@pytest.mark.parametrize("value", ["", "abc", "ExponentPushToken[]", "ExponentPushToken[short]",
                                   "ExponentPushToken[has space inside]", "FcmToken[abcdefghijkl]",
                                   "ExponentPushToken[abcdefghijkl]extra"])
def test_a_malformed_token_is_400_and_stores_nothing(user_api, value):
    response = register(user_api, value)
    assert response.status_code == 400
    assert "token" in response.json()["error"]["fields"]
    assert user_api.get("/api/v1/devices").json()["results"] == []


def test_an_unknown_platform_is_400(user_api):
    response = register(user_api, token(), platform="windows")
    assert response.status_code == 400
    assert "platform" in response.json()["error"]["fields"]


def test_a_token_registered_by_another_user_moves_to_the_new_owner(user_api, other_api, user, other_user):
    value = token()
    old = register(user_api, value).json()
    response = register(other_api, value, platform="android")
    assert response.status_code == 201
    assert response.json()["id"] != old["id"]
    assert user_api.get("/api/v1/devices").json()["results"] == []
    assert [d["token"] for d in other_api.get("/api/v1/devices").json()["results"]] == [value]
    assert repository.device_get_by_token(token=value).user_id == other_user.id


def test_deleting_a_device_is_204_and_only_the_owner_can(user_api, other_api):
    device = register(user_api, token()).json()
    assert other_api.delete(f"/api/v1/devices/{device['id']}").status_code == 404
    assert user_api.delete(f"/api/v1/devices/{device['id']}").status_code == 204
    assert user_api.get("/api/v1/devices").json()["results"] == []
    assert user_api.delete(f"/api/v1/devices/{device['id']}").status_code == 404
    assert user_api.delete("/api/v1/devices/not-an-id").status_code == 404


def test_the_list_pages_with_a_cursor_bound_to_the_user(user_api, other_api):
    ids = [register(user_api, token()).json()["id"] for _ in range(3)]
    first = user_api.get("/api/v1/devices?limit=2").json()
    assert len(first["results"]) == 2 and first["next_cursor"]
    second = user_api.get(f"/api/v1/devices?limit=2&cursor={first['next_cursor']}").json()
    assert sorted(d["id"] for d in first["results"] + second["results"]) == sorted(ids)
    assert other_api.get(f"/api/v1/devices?cursor={first['next_cursor']}").status_code == 400


def test_anonymous_callers_are_401(api):
    assert api.get("/api/v1/devices").status_code == 401
    assert register(api, token()).status_code == 401


def test_erasure_removes_every_device_and_is_idempotent(user_api, user):
    from apps.devices.erasure import erase_user

    register(user_api, token())
    register(user_api, token())
    erase_user(user_id=user.id)
    erase_user(user_id=user.id)
    assert repository.devices_all(user_id=user.id) == []
