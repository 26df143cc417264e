"""The bucket's lifecycle (infra/data.yaml) deletes what the app tags as never attached, and only that.

moto stores a lifecycle configuration but never runs it, so this reads the rule the stack deploys and
checks it against the tag the app writes (the app's side is in test_photos.py)."""

from pathlib import Path

import yaml
from django.conf import settings

from apps.events import photos

DATA_YAML = Path(settings.BASE_DIR) / "infra" / "data.yaml"


class _CloudFormationLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!If, !Sub ...) read as plain values."""


_CloudFormationLoader.add_multi_constructor("!", lambda loader, suffix, node: (
    loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode)
    else loader.construct_mapping(node) if isinstance(node, yaml.MappingNode) else loader.construct_scalar(node)))


def photo_rules() -> dict[str, dict]:
    template = yaml.load(DATA_YAML.read_text(), Loader=_CloudFormationLoader)  # noqa: S506 (a SafeLoader subclass)
    rules = template["Resources"]["PhotosBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    return {rule["Id"]: rule for rule in rules}


def test_never_attached_uploads_expire_after_a_day_and_attached_photos_never_do():
    rules = photo_rules()
    expire = rules["expire-unattached-uploads"]
    assert expire["Status"] == "Enabled" and expire["ExpirationInDays"] == 1
    assert expire["Prefix"] == photos.photo_key("")
    assert expire["TagFilters"] == [{"Key": photos.ATTACHED_TAG, "Value": "false"}]
    assert expire["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}  # prod keeps versions
    # No other rule expires current photos, attached or legacy, by age.
    for rule_id, rule in rules.items():
        if rule_id != "expire-unattached-uploads" and rule.get("Prefix") in ("photos/", "users/", None):
            assert "ExpirationInDays" not in rule, rule_id
