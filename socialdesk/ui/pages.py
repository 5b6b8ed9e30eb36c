"""The page contract of the Settings dialog and the profile manager panels: load(), check(), save().

After Picard's option pages: a page fills its widgets from a record (``load``), says what is wrong with
what the user typed (``check`` raises :class:`PageCheckError`, shown on that page at that field), and
puts its values into the window's draft (``save``). The window checks every page before any page
saves, then hands the whole draft to one operation, which writes it all or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from PySide6.QtWidgets import QWidget

D = TypeVar("D")


class PageCheckError(Exception):
    """What is wrong on a page: a sentence for the user and the widget to show and focus."""

    def __init__(self, message: str, widget: QWidget | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.widget = widget


class Page(Protocol[D]):
    """One page of a settings window.

    Each page also has a ``load(...)`` that shows the record the window read (its arguments are the
    page's own: the Settings pages read theirs, a profile manager panel gets the profile it shows).
    ``check`` raises :class:`PageCheckError` and writes nothing; ``save`` returns the draft with this
    page's values in it (still nothing written).
    """

    def check(self) -> None: ...

    def save(self, draft: D) -> D: ...


def first_problem(pages: Iterable[Page[D]]) -> tuple[Page[D], PageCheckError] | None:
    """Check every page in order; the first that refuses, with why (None: all may be saved)."""
    for page in pages:
        try:
            page.check()
        except PageCheckError as exc:
            return page, exc
    return None


def collect(pages: Iterable[Page[D]], draft: D) -> D:
    """The draft with every page's values (call only after :func:`first_problem` found none)."""
    for page in pages:
        draft = page.save(draft)
    return draft
