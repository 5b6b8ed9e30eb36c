"""Operations return records, never ORM rows: checked on every public function's return annotation.

Walks every module of ``socialdesk.ops``; each public function's return type (resolved) may be built only
from plain values (numbers, text, dates, paths, enums, None), dataclasses whose fields are such values,
``Done``/``Change`` and the usual containers of these. An ORM class anywhere in it (a subclass of the models'
declarative base), or ``Any``, fails. ``assert_no_orm`` is the check on real values that the per-area tests
(tests/test_ops_*.py) run on what the operations actually return.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import importlib
import inspect
import pkgutil
import types
import typing
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import socialdesk.ops
from socialdesk.models.schema import Base, Profile
from socialdesk.ops.connections import SignIns
from socialdesk.services.loopback import LoopbackListener
from socialdesk.services.oauth import OAuthService
from socialdesk.services.query import ProfileRows
from socialdesk.services.tokens import TokenStore
from socialdesk.services.workspace import Workspace

#: Not rows but handles an operation gives back for the next operation to take (the opened workspace,
#: its keyring store, the sign-in service that holds a sign-in between its start and its answer), the
#: running loopback listener its caller stops, and the shared read model's column arrays (numpy, built
#: to be handed over whole).
HANDLES = (Workspace, TokenStore, OAuthService, LoopbackListener, ProfileRows)
#: The sign-in service as the windows hold it (a Protocol without members: compared, not issubclass'ed,
#: since every class would pass that).
HANDLE_PROTOCOLS = (SignIns,)
#: Catalogue data (platforms, settings fields with their counting and warning functions): static
#: declarations, not rows of the database.
CATALOGUE_MODULES = ("socialdesk.models.catalogue", "socialdesk.models.settings_catalogue")

PLAIN = (type(None), bool, int, float, str, bytes, Path, datetime, date, timedelta)
CONTAINERS = {
    list,
    tuple,
    dict,
    set,
    frozenset,
    collections.abc.Sequence,
    collections.abc.Mapping,
    collections.abc.Iterable,
    collections.abc.Iterator,
    collections.abc.Set,
    collections.abc.Collection,
}


def _modules() -> list[types.ModuleType]:
    names = [m.name for m in pkgutil.walk_packages(socialdesk.ops.__path__, "socialdesk.ops.")]
    return [importlib.import_module(name) for name in sorted(names)]


def public_functions() -> list[tuple[str, Any]]:
    found = []
    for module in _modules():
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
                continue
            found.append((f"{module.__name__}.{name}", fn))
    return found


def problems_in_type(tp: Any, seen: set[Any] | None = None, top: bool = True) -> list[str]:
    """Why ``tp`` is not a record type (empty when it is).

    ``Any`` is refused as the whole answer; inside a record or container it stands for JSON values
    (settings values, ``--format json`` records), which ``assert_no_orm`` checks on real returns.
    """
    seen = set() if seen is None else seen
    if tp is Any or tp is object:
        return [f"{tp!r} says nothing about what is returned"] if top else []
    if isinstance(tp, typing.TypeVar):
        return []
    origin = typing.get_origin(tp)
    if origin is not None:
        if origin is typing.Literal:
            return []
        if (
            origin in (typing.Union, types.UnionType)
            or origin in CONTAINERS
            or (inspect.isclass(origin) and dataclasses.is_dataclass(origin))
        ):
            out = (
                []
                if origin in (typing.Union, types.UnionType) or origin in CONTAINERS
                else problems_in_type(origin, seen)
            )
            for arg in typing.get_args(tp):
                if arg is not Ellipsis:
                    out += problems_in_type(arg, seen, top=False)
            return out
        if origin is collections.abc.Callable:
            # A lookup handed to a service (``profile id -> grantee``): its answers must be records.
            args = typing.get_args(tp)
            return [p for arg in args[1:] for p in problems_in_type(arg, seen, top=False)]
        return problems_in_type(origin, seen, top)
    if not inspect.isclass(tp):
        return [f"{tp!r} is not a type"]
    if issubclass(tp, Base):
        return [f"{tp.__name__} is an ORM class"]
    if tp in PLAIN or tp in CONTAINERS or tp in HANDLE_PROTOCOLS:
        return []
    if issubclass(tp, enum.Enum) or issubclass(tp, HANDLES):
        return []
    if tp.__module__ in CATALOGUE_MODULES or issubclass(tp, (dict, list, set, frozenset)):
        return []
    if dataclasses.is_dataclass(tp) or (issubclass(tp, tuple) and hasattr(tp, "_fields")):
        if tp in seen:
            return []
        seen.add(tp)
        hints = typing.get_type_hints(tp)
        out = []
        for field_name, field_type in hints.items():
            if typing.get_origin(field_type) is typing.ClassVar:
                continue
            out += [f"{tp.__name__}.{field_name}: {p}" for p in problems_in_type(field_type, seen, top=False)]
        return out
    return [f"{tp.__name__} is neither a plain value nor a dataclass"]


def assert_no_orm(value: Any, path: str = "result", depth: int = 0) -> None:
    """Fail if ``value`` holds an ORM instance anywhere (dataclass fields, containers)."""
    assert not isinstance(value, Base), f"{path} is an ORM row ({type(value).__name__})"
    if depth > 6:
        return
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            assert_no_orm(getattr(value, f.name), f"{path}.{f.name}", depth + 1)
    elif isinstance(value, dict):
        for k, v in list(value.items())[:50]:
            assert_no_orm(v, f"{path}[{k!r}]", depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for i, v in enumerate(list(value)[:50]):
            assert_no_orm(v, f"{path}[{i}]", depth + 1)


@dataclasses.dataclass
class _HidesARow:
    row: Profile


def test_every_public_operation_returns_records() -> None:
    functions = public_functions()
    assert len(functions) >= 40, "the operations layer is there: every window and command calls it"
    bad = {}
    for qualname, fn in functions:
        hints = typing.get_type_hints(fn)
        if "return" not in hints:
            bad[qualname] = ["no return annotation"]
            continue
        problems = problems_in_type(hints["return"])
        if problems:
            bad[qualname] = problems
    assert not bad, bad


def test_the_walker_refuses_orm_rows_and_any() -> None:
    from socialdesk.ops.changes import Done

    assert problems_in_type(Profile)
    assert problems_in_type(list[Profile])
    assert problems_in_type(Done[Profile])
    assert problems_in_type(Any)

    assert problems_in_type(_HidesARow)
    assert not problems_in_type(Done[list[int]])
    assert not problems_in_type(tuple[str, int | None])
