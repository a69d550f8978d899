"""Build pydantic models from values already known to be valid, without validating them again.

Normalization makes a model for each new reading (a date, a place, an issue) and one record per
entry; validating each (or calling ``model_construct``, slower still in pydantic 2) would cost
more than all the normalizing. The values handed here are
typed by construction (a ``PartialDate`` from the date parser, a confidence from a validated
``RawField``), so the check would only repeat itself. The tests compare every record built this
way with the same record validated from its own dump.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

_new = object.__new__
# BaseModel's own slots, set through their descriptors (what ``object.__setattr__`` does, less
# the attribute lookup): the fast path of :func:`build_frozen`.
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


def field_defaults(cls: type[BaseModel]) -> dict[str, Any]:
    """Every field's default (factories called once: use only for immutable defaults)."""
    return {
        name: info.get_default(call_default_factory=True)
        for name, info in cls.model_fields.items()
        if not info.is_required()
    }


def build_frozen(cls: type[M], data: dict[str, Any], fields_set: set[str]) -> M:
    """``cls.model_construct(**data)`` for a frozen model and ``data`` holding every field.

    A frozen model never adds to its fields-set (assignment is refused), so one set serves
    all of them; callers pass a module-level set and never change it.

    >>> from schemas.values import BBox
    >>> build_frozen(BBox, {"x0": 1, "y0": 2, "x1": 3, "y1": 4}, {"x0"}).as_list()
    [1, 2, 3, 4]
    """
    model = _new(cls)
    model.__dict__.update(data)
    _set_fields_set(model, fields_set)
    _set_extra(model, None)
    _set_private(model, None)
    return model


_set_dict = BaseModel.__dict__["__dict__"].__set__
MAKE_MODEL = (_new, _set_dict, _set_fields_set, _set_extra, _set_private)
"""What :func:`build_frozen` does, as five calls for code that inlines it: ``object.__new__``
and the setters of ``__dict__`` and of BaseModel's three slots (works for any model)."""
