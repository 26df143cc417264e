from apps.core import hooks
from apps.grains import erasure, repository
from tests.grains.helpers import create_grains, split, weigh


def test_erasure_removes_every_grains_and_entry_of_the_user_only_and_can_run_twice(user_api, user, other_api,
                                                                                    other_user):
    mine = create_grains(user_api)
    weigh(user_api, mine["id"], 24)
    split(user_api, mine["id"], 4)
    theirs = create_grains(other_api)
    for _ in range(2):
        erasure.erase_user(user_id=user.id)
    assert list(repository.grains_iter(user_id=user.id)) == []
    assert list(repository.history_iter(user_id=user.id)) == []
    assert [g.id for g in repository.grains_iter(user_id=other_user.id)] == [theirs["id"]]
    assert len(list(repository.history_iter(user_id=other_user.id))) == 1


def test_grains_are_in_the_account_erasure_order():
    assert "grains" in hooks.ERASURE_ORDER
    assert hooks.ERASURE_ORDER.index("grains") < hooks.ERASURE_ORDER.index("accounts")
