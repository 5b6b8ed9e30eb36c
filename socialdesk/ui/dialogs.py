"""Dialogs of the profiles window: share, confirmations, add a public profile, history.

Dialogs collect input and show what the services decided; they apply nothing themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from socialdesk.models.catalogue import KIND_LABELS, PLATFORMS
from socialdesk.ops.profiles import SHOWN, AuditLine, BulkItem, Impact, ParsedProfileRef, parse_profile_ref
from socialdesk.services.errors import ValidationError
from socialdesk.ui.i18n import plural
from socialdesk.ui.resources import platform_icon

RISK_TEXT = (
    "Anyone you share this profile with can post, reply and send messages as the profile. "
    "Share only with people who should speak for it, and stop sharing when they no longer need it."
)


def _warning(parent: QWidget, text: str, name: str = "riskWarning") -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet(
        "background:#FFF4E5;color:#7A4100;border:1px solid #F5C27A;border-radius:4px;padding:6px;"
    )
    return label


class ShareDialog(QDialog):
    """Choose members (Administrators, Managers, Responders) and/or all users; the risk spelled out."""

    def __init__(
        self,
        parent: QWidget | None,
        members: Sequence[tuple[int, str, str]],
        already: set[int],
        profiles: Sequence[str],
        note: str | None = None,
        count: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("shareDialog")
        count = len(profiles) if count is None else count  # profiles may list only the first names
        self.setWindowTitle(self.tr("Share profile") if count == 1 else self.tr("Share profiles"))
        layout = QVBoxLayout(self)
        what = profiles[0] if count == 1 and profiles else self.tr("{0} profiles").format(f"{count:,}")
        layout.addWidget(QLabel(self.tr("Share {0} with:").format(what), self))
        if note:
            layout.addWidget(_warning(self, note, "skippedWarning"))
        self.all_users = QCheckBox(self.tr("All users (Administrators, Managers and Responders)"), self)
        self.all_users.setObjectName("shareAllUsers")
        layout.addWidget(self.all_users)
        self.list = QListWidget(self)
        self.list.setObjectName("shareMembers")
        self.list.setAccessibleName(self.tr("Members to share with"))
        for member_id, name, role in members:
            item = QListWidgetItem(f"{name} — {role.capitalize()}", self.list)
            item.setData(Qt.ItemDataRole.UserRole, member_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if member_id in already else Qt.CheckState.Unchecked)
            if member_id in already:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                item.setToolTip(self.tr("Already shared"))
        layout.addWidget(self.list)
        analysts = QLabel(self.tr("Analysts are not listed: they have read-only access."), self)
        analysts.setStyleSheet("color:#607D8B")
        layout.addWidget(analysts)
        layout.addWidget(_warning(self, self.tr(RISK_TEXT)))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.share_button = self.buttons.addButton(self.tr("Share"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.share_button.setObjectName("shareButton")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.all_users.toggled.connect(self._update)
        self.list.itemChanged.connect(self._update)
        self._update()
        self.resize(440, 460)

    def chosen(self) -> list[int]:
        out = []
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.flags() & Qt.ItemFlag.ItemIsEnabled and item.checkState() == Qt.CheckState.Checked:
                out.append(int(item.data(Qt.ItemDataRole.UserRole)))
        return out

    def _update(self, *_args: object) -> None:
        self.share_button.setEnabled(self.all_users.isChecked() or bool(self.chosen()))


class PlanDialog(QDialog):
    """One confirmation for an action on one or many profiles: what will be done, what will not and why,
    and what it takes away (who loses access, which groups lose profiles) as a few grouped warnings whose
    details open on demand. For a destructive action the safe button (Cancel) is the default."""

    #: Names listed per part; the rest are counted ("… and 1,234 more").
    SHOWN = SHOWN

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        intro: str,
        plan: Sequence[BulkItem],
        confirm: str,
        warnings: Sequence[str] = (),
        impact: Impact | None = None,
        destructive: bool = True,
        counts: tuple[int, int] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("planDialog")
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        label = QLabel(intro, self)
        label.setWordWrap(True)
        layout.addWidget(label)
        will = [p for p in plan if p.decision]
        wont = [p for p in plan if not p.decision]
        # ``plan`` may list only the first names of each part; ``counts`` has how many there are.
        will_n, wont_n = counts if counts is not None else (len(will), len(wont))
        for text in warnings:
            layout.addWidget(_warning(self, text, "planWarning"))
        if impact is not None:
            self._add_impact(layout, impact, will_n)
        parts = []
        if will:
            heading = self.tr("Will be done ({0})").format(f"{will_n:,}")
            parts.append(f"<p><b>{escape(heading)}</b></p><ul>")
            parts += [f"<li>{escape(p.name)}</li>" for p in will[: self.SHOWN]]
            if will_n > min(len(will), self.SHOWN):
                more = f"{will_n - min(len(will), self.SHOWN):,}"
                parts.append(f"<li>{escape(self.tr('… and {0} more').format(more))}</li>")
            parts.append("</ul>")
        if wont:
            parts.append(
                f"<p><b>{escape(self.tr('Will not be done ({0})').format(f'{wont_n:,}'))}</b></p><ul>"
            )
            parts += [f"<li>{escape(p.name)}: {escape(p.decision.reason)}</li>" for p in wont[: self.SHOWN]]
            if wont_n > min(len(wont), self.SHOWN):
                more = f"{wont_n - min(len(wont), self.SHOWN):,}"
                parts.append(f"<li>{escape(self.tr('… and {0} more').format(more))}</li>")
            parts.append("</ul>")
        self.summary = QTextBrowser(self)
        self.summary.setObjectName("planSummary")
        self.summary.setHtml("".join(parts))
        self.summary.setMinimumHeight(120)
        layout.addWidget(self.summary, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.confirm_button = self.buttons.addButton(confirm, QDialogButtonBox.ButtonRole.AcceptRole)
        self.confirm_button.setObjectName("confirmButton")
        self.confirm_button.setEnabled(will_n > 0)
        # Enter must never delete: the safe answer is the default of a destructive confirmation.
        safe, bold = (
            (self.cancel_button, self.confirm_button)
            if destructive
            else (self.confirm_button, self.cancel_button)
        )
        bold.setAutoDefault(False)
        bold.setDefault(False)
        safe.setAutoDefault(True)
        safe.setDefault(True)
        self.safe_button = safe
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(500, 420 if will_n + wont_n > 1 or warnings or impact else 260)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.safe_button.setFocus()

    def _add_impact(self, layout: QVBoxLayout, impact: Impact, will_count: int) -> None:
        one = will_count == 1
        if impact.shared_profiles:
            names = [name for name, _ in impact.losing_access]
            if one:
                text = self.tr("This profile is shared with {0}: they lose access.").format(", ".join(names))
                self._add_warning(layout, text, [])
            else:
                text = plural(
                    "{shared} profiles are shared with %Ln member(s): they lose access.",
                    len(names),
                ).replace("{shared}", f"{impact.shared_profiles:,}")
                if impact.shared_profiles == 1:
                    text = plural("1 profile is shared with %Ln member(s): they lose access.", len(names))
                details = [
                    plural("{name} — %Ln profile(s)", count).replace("{name}", name)
                    for name, count in impact.losing_access
                ]
                self._add_warning(layout, text, details)
        if impact.grouped_profiles:
            groups = [name for name, _ in impact.groups]
            if one:
                text = self.tr("This profile is in the groups {0}: it leaves them.").format(", ".join(groups))
                self._add_warning(layout, text, [])
            else:
                text = plural(
                    "{grouped} profiles are in %Ln groups: they leave them.",
                    len(groups),
                ).replace("{grouped}", f"{impact.grouped_profiles:,}")
                details = [
                    plural("{name} — loses %Ln profile(s)", count).replace(
                        "{name}", name
                    )
                    for name, count in impact.groups
                ]
                self._add_warning(layout, text, details, self.tr("Show which groups"))

    def _add_warning(
        self, layout: QVBoxLayout, text: str, details: Sequence[str], show: str | None = None
    ) -> None:
        row = QWidget(self)
        row_layout = QVBoxLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.setSpacing(2)
        row_layout.addWidget(_warning(row, text, "planWarning"))
        if details:
            toggle = QToolButton(row)
            toggle.setObjectName("planWarningDetails")
            toggle.setText(show or self.tr("Show who and how many"))
            toggle.setCheckable(True)
            toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            toggle.setArrowType(Qt.ArrowType.RightArrow)
            listing = QListWidget(row)
            listing.setObjectName("planWarningList")
            listing.addItems(list(details))
            listing.setMaximumHeight(120)
            listing.setVisible(False)

            def flip(shown: bool) -> None:
                listing.setVisible(shown)
                toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

            toggle.toggled.connect(flip)
            row_layout.addWidget(toggle)
            row_layout.addWidget(listing)
        layout.addWidget(row)


class AddPublicProfileDialog(QDialog):
    """A profile to track, by URL or handle; platform and handle are read from a URL where possible."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addPublicProfileDialog")
        self.setWindowTitle(self.tr("Add a public profile"))
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "Paste the profile's address, or type its handle and choose the platform. "
                "Public profiles are tracked only: they cannot be connected."
            ),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.ref = QLineEdit(self)
        self.ref.setObjectName("publicProfileRef")
        self.ref.setPlaceholderText(self.tr("https://www.instagram.com/acme or @acme"))
        self.platform = QComboBox(self)
        self.platform.setObjectName("publicProfilePlatform")
        for key, info in PLATFORMS.items():
            if info.signs_in:
                self.platform.addItem(platform_icon(key), info.label, key)
        self.kind = QComboBox(self)
        self.kind.setObjectName("publicProfileKind")
        self.display_name = QLineEdit(self)
        self.display_name.setObjectName("publicProfileName")
        self.display_name.setPlaceholderText(self.tr("optional"))
        form.addRow(self.tr("Address or handle"), self.ref)
        form.addRow(self.tr("Platform"), self.platform)
        form.addRow(self.tr("Kind"), self.kind)
        form.addRow(self.tr("Display name"), self.display_name)
        layout.addLayout(form)
        self.error = QLabel(self)
        self.error.setObjectName("publicProfileError")
        self.error.setStyleSheet("color:#A1160A")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Add"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.platform.currentIndexChanged.connect(self._fill_kinds)
        self.ref.textChanged.connect(self._parse)
        self._fill_kinds()
        self._parse()
        self.resize(460, 0)

    def _fill_kinds(self) -> None:
        key = self.platform.currentData()
        current = self.kind.currentData()
        self.kind.clear()
        for kind in PLATFORMS[key].kinds:
            self.kind.addItem(KIND_LABELS.get(kind, kind), kind)
        if current is not None and (i := self.kind.findData(current)) >= 0:
            self.kind.setCurrentIndex(i)

    def parsed(self) -> ParsedProfileRef | None:
        try:
            return parse_profile_ref(self.ref.text())
        except ValidationError as exc:
            self.error.setText(exc.problems[0][1])
            return None

    def _parse(self) -> None:
        self.error.clear()
        ref = self.parsed() if self.ref.text().strip() else None
        if ref is not None and ref.platform is not None:
            self.platform.setCurrentIndex(self.platform.findData(ref.platform))
            if ref.kind and (i := self.kind.findData(ref.kind)) >= 0:
                self.kind.setCurrentIndex(i)
        self.ok_button.setEnabled(ref is not None)

    def values(self) -> tuple[str, str, str, str | None]:
        """(platform, handle, kind, display name)."""
        ref = self.parsed()
        assert ref is not None
        return (
            self.platform.currentData(),
            ref.handle,
            self.kind.currentData(),
            self.display_name.text() or None,
        )

    def show_error(self, message: str) -> None:
        self.error.setText(message)


class HistoryDialog(QDialog):
    def __init__(self, parent: QWidget | None, title: str, lines: Sequence[AuditLine]) -> None:
        super().__init__(parent)
        self.setObjectName("historyDialog")
        self.setWindowTitle(self.tr("History of {0}").format(title))
        layout = QVBoxLayout(self)
        browser = QTextBrowser(self)
        browser.setObjectName("historyText")
        rows = "".join(
            f"<tr><td style='padding-right:10px;color:#607D8B'>{a.at:%Y-%m-%d %H:%M}</td>"
            f"<td style='padding-right:10px'>{escape(a.actor or '–')}</td><td>{escape(a.text())}</td></tr>"
            for a in lines
        )
        browser.setHtml(f"<table>{rows}</table>" if lines else escape(self.tr("No changes recorded.")))
        layout.addWidget(browser)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, 420)
