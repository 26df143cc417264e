"""Building the repositories' frozen dataclasses from complete values, without their generated __init__.

A frozen dataclass's __init__ sets each field through object.__setattr__ (its own __setattr__ refuses):
about 3 µs for the 11 fields of an Event, most of the cost of converting one timeline item; a batch detail
converts 50, a page of batches 20. `builder(cls)` returns a function that makes the same instance (same
class, same field values, equal and with the same hash and repr) by filling the new object's __dict__ in
one step. It takes every field by name and nothing else (no defaults are filled in), and refuses a class
whose __init__ does more than assign: __post_init__, __slots__, InitVar or init=False fields.
tests/core/test_frozen.py compares it with the dataclasses' own constructors.
"""

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

_T = TypeVar("_T")


def builder[T](cls: type[T]) -> Callable[..., T]:
    params = getattr(cls, "__dataclass_params__", None)
    fields = dataclasses.fields(cls) if params is not None else ()
    if (params is None or not params.frozen or hasattr(cls, "__post_init__") or hasattr(cls, "__slots__")
            or not all(field.init for field in fields)
            or len(fields) != len(cls.__dataclass_fields__)):  # InitVar (and ClassVar) pseudo-fields
        raise TypeError(f"{cls.__name__} is not a frozen dataclass whose __init__ only assigns its fields")
    names = frozenset(field.name for field in fields)
    new = object.__new__

    def build(**values: Any) -> T:
        if values.keys() != names:
            raise TypeError(f"{cls.__name__} takes exactly {sorted(names)}; got {sorted(values)}")
        instance = new(cls)
        instance.__dict__.update(values)
        return instance

    build.__name__ = build.__qualname__ = f"build_{cls.__name__}"
    return build
