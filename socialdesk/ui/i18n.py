"""Plural forms the Qt way: ``%Ln`` sources resolved by the English catalogue's numerus forms.

A counted message is written once, as Qt's translation tools expect it::

    plural("Restored %Ln profile(s)", n)   # "Restored 1 profile", "Restored 2,000 profiles"

The source text is only a key: ``resources/i18n/socialdesk_en.ts`` gives English its two forms, compiled to
    plural("Restored %Ln profile(s)", n)  # "Restored 1 profile", "Restored 2,000 profiles"
``socialdesk_<lang>.ts`` with as many forms as its grammar needs; the code does not change. ``%Ln`` writes the
count with the locale's group separator. Other placeholders (``{path}``, ``{group}``) are filled by keyword.

The translator is installed on the running application the first time it is needed (``install``), so every
window — the app's, a test's, or one made by a caller of ``create_main_window`` — reads the same words.
"""

from __future__ import annotations

import re
from importlib import resources

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

CONTEXT = "SocialDesk"
_FIELD = re.compile(r"\{(\w+)\}")
_installed: dict[int, QTranslator] = {}


def catalogue_path(language: str = "en") -> str:
    """The compiled catalogue of ``language`` inside the package (it ships in the wheel)."""
    return str(resources.files("socialdesk") / "resources" / "i18n" / f"socialdesk_{language}.qm")


def install(app: QCoreApplication | None = None) -> bool:
    """Install the English catalogue on ``app`` (the running one by default), once; True when it is in place.

    Under the C locale Qt writes numbers without a group separator; the app writes "20,000" everywhere
    else, so the default locale keeps its separator."""
    app = app or QCoreApplication.instance()
    if app is None:
        return False
    if id(app) in _installed:
        return True
    translator = QTranslator(app)
    if not translator.load(catalogue_path("en")):
        return False
    locale = QLocale()
    locale.setNumberOptions(locale.numberOptions() & ~QLocale.NumberOption.OmitGroupSeparator)
    QLocale.setDefault(locale)
    app.installTranslator(translator)
    _installed[id(app)] = translator
    return True


def plural(source: str, n: int, **fields: object) -> str:
    """``source`` (with ``%Ln``) in the form for ``n``; ``{name}`` fields replaced in one pass.

    Filling the fields after translation keeps a user's text (a group named "{path}") as it is."""
    install()
    text = QCoreApplication.translate(CONTEXT, source, None, n)
    if not fields:
        return text
    return _FIELD.sub(lambda m: str(fields[m.group(1)]) if m.group(1) in fields else m.group(0), text)
