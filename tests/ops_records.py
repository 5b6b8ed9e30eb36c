"""What an operation may hand to a window: records (frozen dataclasses) and plain values, never ORM rows."""

from __future__ import annotations

import dataclasses
import enum
import inspect
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy.orm import DeclarativeBase

from socialdesk.ops.changes import Change, Done, Kind

PLAIN = (str, int, float, bool, bytes, type(None), datetime, date, Path, enum.Enum)


def assert_record(value: Any, where: str = "value") -> None:
    """Fail on any ORM instance anywhere inside ``value``; dataclasses must be frozen."""
    assert not isinstance(value, DeclarativeBase), f"{where} is an ORM row: {value!r}"
    if isinstance(value, PLAIN):
        return
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        params = getattr(type(value), "__dataclass_params__", None)
        assert params is not None and params.frozen, f"{where}: {type(value).__name__} is not frozen"
        for f in dataclasses.fields(value):
            assert_record(getattr(value, f.name), f"{where}.{f.name}")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            assert_record(key, f"{where} key")
            assert_record(item, f"{where}[{key!r}]")
        return
    if isinstance(value, (list, tuple, set, frozenset)):
        for i, item in enumerate(value):
            assert_record(item, f"{where}[{i}]")
        return
    raise AssertionError(f"{where} is neither a record nor a plain value: {type(value).__name__}")


def assert_done(done: Any, *kinds: Kind, profile_ids: tuple[int, ...] | None = None) -> Any:
    """A write's answer: a ``Done`` whose value is a record and whose change names exactly ``kinds``."""
    assert isinstance(done, Done), done
    assert isinstance(done.change, Change)
    assert done.change.kinds == frozenset(kinds), done.change
    if profile_ids is not None:
        assert set(done.change.profile_ids) == set(profile_ids), done.change
    assert_record(done.value, "Done.value")
    return done.value


def public_functions(module: ModuleType) -> dict[str, Callable[..., Any]]:
    """The module's own public functions (not the names it re-exports from services)."""
    return {
        name: fn
        for name, fn in vars(module).items()
        if inspect.isfunction(fn) and not name.startswith("_") and fn.__module__ == module.__name__
    }


def assert_annotations_are_records(module: ModuleType) -> None:
    """Every public function declares its return, and no return type mentions an ORM class."""
    for name, fn in public_functions(module).items():
        hints = typing.get_type_hints(fn)
        assert "return" in hints, f"{module.__name__}.{name} has no return annotation"
        for part in _parts(hints["return"]):
            if isinstance(part, type):
                assert not issubclass(part, DeclarativeBase), f"{module.__name__}.{name} returns {part}"
            if isinstance(part, type) and dataclasses.is_dataclass(part):
                for f in dataclasses.fields(part):
                    field_type = typing.get_type_hints(part).get(f.name)
                    for inner in _parts(field_type):
                        if isinstance(inner, type):
                            assert not issubclass(inner, DeclarativeBase), f"{part.__name__}.{f.name}"


def _parts(tp: Any) -> list[Any]:
    out = [typing.get_origin(tp) or tp]
    for arg in typing.get_args(tp):
        out += _parts(arg)
    return out
