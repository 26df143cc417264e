import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.core.http.cursors import decode_cursor, encode_cursor
from apps.core.http.errors import Invalid

pytestmark = pytest.mark.urls("tests.core.urls")


def test_pages_follow_the_cursor_to_the_end(user_api):
    seen, cursor = [], None
    while True:
        response = user_api.get("/probe/numbers", {"cursor": cursor} if cursor else {})
        assert response.status_code == 200
        seen += response.json()["results"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == list(range(10))


def test_a_tampered_cursor_is_400_invalid(user_api):
    cursor = user_api.get("/probe/numbers").json()["next_cursor"]
    flipped = cursor[:-5] + ("A" if cursor[-5] != "A" else "B") + cursor[-4:]
    response = user_api.get("/probe/numbers", {"cursor": flipped})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "cursor" in response.json()["error"]["fields"]


def test_another_users_cursor_is_400_invalid(user_api, other_api):
    cursor = user_api.get("/probe/numbers").json()["next_cursor"]
    response = other_api.get("/probe/numbers", {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("garbage", ["x", "%%%", "A" * 5000, "A" * 100, "gAAAAA", "eyJhbGciOiJub25lIn0"])
def test_garbage_cursors_are_400_invalid(user_api, garbage):
    assert user_api.get("/probe/numbers", {"cursor": garbage}).status_code == 400


def test_the_cursor_reveals_nothing_of_the_position():
    cursor = encode_cursor({"PK": "USER#abc", "SK": "BATCH#01H"}, scope="batches:abc")
    assert "USER" not in cursor and "BATCH" not in cursor


positions = st.dictionaries(
    st.text(min_size=1, max_size=20), st.text(max_size=30) | st.integers(), min_size=1, max_size=3
)


@given(position=positions, scope=st.text(min_size=1, max_size=40))
def test_round_trip(position, scope):
    assert decode_cursor(encode_cursor(position, scope=scope), scope=scope) == position


@given(position=positions, scope=st.text(min_size=1, max_size=20), other=st.text(min_size=1, max_size=20))
def test_a_cursor_never_decodes_in_another_scope(position, scope, other):
    if scope == other:
        return
    with pytest.raises(Invalid):
        decode_cursor(encode_cursor(position, scope=scope), scope=other)


@given(text=st.text(max_size=300))
def test_arbitrary_text_is_rejected_cleanly(text):
    if not text:
        assert decode_cursor(text, scope="s") is None
        return
    with pytest.raises(Invalid):
        decode_cursor(text, scope="s")
