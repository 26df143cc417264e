"""A faster reading of DynamoDB's typed JSON in botocore's responses (same result, a fraction of the time).

botocore parses every response by walking its service model: each attribute value of each item is a
structure of ten possible members (S, N, B, SS, NS, BS, M, L, NULL, BOOL) that it tries one by one,
dispatching per member. A Query of 50 timeline events spends about 6 ms there, more than all of our
own code on that request. But an AttributeValue on the wire already has its parsed shape, except for
binary values (base64 on the wire, bytes once parsed). So this parser reads attribute values and
attribute maps directly, decoding binaries, and leaves everything else (and any member type botocore
knows of but this module does not) to botocore's own parser. It reads the body itself with orjson.
tests/core/test_dynamodb_json.py checks it against botocore's parser on generated values.

Kept after issue 19's review of the hand-written speed-ups (a replacement of library code must save at
least 1 ms p50 on a batch detail with 50 events): with botocore's own parsing instead, the detail's CPU
time p50 rose by 1.1, 0.8 and 1.1 ms and its overhead p50 by 1.2, -0.7 and 1.7 ms in three paired runs of
`bench latency` (2026-12-06, a shared machine). It overrides three underscore methods of botocore's
JSONParser: botocore is pinned exactly, and the test above compares both parsers on every upgrade.
"""

import base64

import orjson
from botocore.parsers import JSONParser, ResponseParserFactory

_AS_IS = frozenset({"S", "N", "NULL", "BOOL", "SS", "NS"})


class _DynamoDBJSONParser(JSONParser):
    def _parse_body_as_json(self, body_contents):
        # orjson reads a 50-event page in a third of json.loads's time, to the same values. Whatever it
        # refuses (NaN literals, lone surrogates, huge integers, a body that is not JSON) goes to botocore.
        if body_contents:
            try:
                return orjson.loads(body_contents)
            except orjson.JSONDecodeError:
                pass
        return super()._parse_body_as_json(body_contents)

    def _handle_structure(self, shape, value):
        if shape.name == "AttributeValue":
            parsed = _attribute_value(value)
            if parsed is not None:
                return parsed
        return super()._handle_structure(shape, value)

    def _handle_list(self, shape, value):
        member = shape.member
        if member.type_name == "map" and member.value.name == "AttributeValue" and isinstance(value, list):
            # A page of items, without botocore's dispatch per item (None stays None, as botocore keeps it).
            return [None if item is None else self._handle_map(member, item) for item in value]
        return super()._handle_list(shape, value)

    def _handle_map(self, shape, value):
        if shape.value.name == "AttributeValue" and isinstance(value, dict):
            if _all_as_is(value):
                return value  # the usual item: only strings, numbers and their sets, already parsed
            parsed = {}
            for name, attribute in value.items():
                fast = _attribute_value(attribute)
                parsed[name] = fast if fast is not None else self._parse_shape(shape.value, attribute)
            return parsed
        return super()._handle_map(shape, value)


def _all_as_is(attributes: dict) -> bool:
    """Whether every value of an attribute map is a one-member S/N/NULL/BOOL/SS/NS, parsed as it is.
    (Loops rather than all(...): this runs for every item read, and the generator costs 60% more.)"""
    for value in attributes.values():
        if type(value) is not dict or len(value) != 1:
            return False
        for kind in value:
            if kind not in _AS_IS:
                return False
    return True


def _attribute_value(value: object) -> dict | None:
    """The parsed form of a one-member AttributeValue, or None to let botocore handle it."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    ((kind, inner),) = value.items()
    if kind in _AS_IS:
        return value
    if kind == "B" and isinstance(inner, str):
        return {"B": base64.b64decode(inner)}
    if kind == "BS" and isinstance(inner, list) and all(isinstance(b, str) for b in inner):
        return {"BS": [base64.b64decode(b) for b in inner]}
    if kind == "M" and isinstance(inner, dict):
        members = {name: _attribute_value(member) for name, member in inner.items()}
        return None if None in members.values() else {"M": members}
    if kind == "L" and isinstance(inner, list):
        items = [_attribute_value(member) for member in inner]
        return None if None in items else {"L": items}
    return None


class DynamoDBParserFactory(ResponseParserFactory):
    """botocore's parser factory, with the fast attribute-value reading for the JSON protocol.

    botocore asks for a new parser for every response. A parser keeps no state between responses (only
    its settings), so this factory makes one JSON parser and hands it out again. That saves building one
    per request, and the garbage it leaves: each new parser is a reference cycle (it holds a bound method
    of itself), which only the cyclic garbage collector frees."""

    def __init__(self) -> None:
        super().__init__()
        self._json_parser: _DynamoDBJSONParser | None = None

    def set_parser_defaults(self, **kwargs) -> None:
        super().set_parser_defaults(**kwargs)
        self._json_parser = None

    def create_parser(self, protocol_name):
        if protocol_name == "json":
            if self._json_parser is None:
                self._json_parser = _DynamoDBJSONParser(**self._defaults)
            return self._json_parser
        return super().create_parser(protocol_name)


def use_fast_parsing(session) -> None:
    """Make the DynamoDB clients `session` creates from now on use DynamoDBParserFactory."""
    if not isinstance(session.get_component("response_parser_factory"), DynamoDBParserFactory):
        session.register_component("response_parser_factory", DynamoDBParserFactory())
