"""Instances of frozen attrs classes built without their ``__init__``, for the hot paths.

A frozen slotted attrs class sets each field in its ``__init__`` with
``object.__setattr__`` (its own ``__setattr__`` refuses), which a row or record built on
every call pays per field. :func:`builder` makes, once per class, a function that takes
every field's value positionally, in the class's order (:func:`attrs.fields`), and
sets each slot through its descriptor: the same instance, for about half the cost.

Only for classes whose ``__init__`` does nothing else: slotted and frozen, without
validators, converters or ``__attrs_pre_init__``/``__attrs_post_init__`` (checked when
the builder is made). ``tests/unit/test_hot_paths.py`` checks that what each builder
makes equals what the class makes.

>>> import attrs
>>> @attrs.frozen
... class Point:
...     x: int
...     y: int = 0
>>> make = builder(Point)
>>> make(1, 2), make(1, 2) == Point(1, 2)
(Point(x=1, y=2), True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import attrs

__all__ = ["builder"]

T = TypeVar("T")


def builder(cls: type[T]) -> Callable[..., T]:
    """A function making an instance of ``cls`` from all its fields' values, in order.

    Raises:
        TypeError: ``cls`` is not a frozen slotted attrs class whose ``__init__`` only
            sets its fields.
    """
    fields = attrs.fields(cast(Any, cls))
    plain = (
        "__slots__" in vars(cls)
        and getattr(cls, "__setattr__", None) is not object.__setattr__
        and not hasattr(cls, "__attrs_pre_init__")
        and not hasattr(cls, "__attrs_post_init__")
        and all(f.validator is None and f.converter is None and f.init for f in fields)
    )
    if not plain:
        raise TypeError(f"{cls.__name__} is not a frozen slotted attrs class with plain fields")
    names = [field.name for field in fields]
    values = ", ".join(f"v{i}" for i in range(len(names)))
    sets = "".join(f"    s{i}(o, v{i})\n" for i in range(len(names)))
    source = f"def build({values}):\n    o = new(cls)\n{sets}    return o\n"
    scope: dict[str, Any] = {"new": object.__new__, "cls": cls}
    scope.update({f"s{i}": getattr(cls, name).__set__ for i, name in enumerate(names)})
    exec(compile(source, f"<builder of {cls.__qualname__}>", "exec"), scope)
    build: Callable[..., T] = scope["build"]
    build.__qualname__ = build.__name__ = f"build_{cls.__name__}"
    return build
