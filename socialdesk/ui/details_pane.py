"""The details pane: what the table knows about the selected profile, or a summary of a multi-selection."""

from __future__ import annotations

from collections import Counter
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from socialdesk.models.catalogue import KIND_LABELS, PLATFORMS, STATUS_LABELS, ConnectionState
from socialdesk.services.query import ProfileRows
from socialdesk.ui.i18n import plural


class DetailsPane(QScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailsPane")
        self.setAccessibleName(self.tr("Profile details"))
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMinimumWidth(220)
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(12, 10, 12, 10)
        self.label = QLabel(body)
        self.label.setObjectName("detailsText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label)
        layout.addStretch(1)
        self.setWidget(body)
        self.show_nothing()

    def show_nothing(self) -> None:
        self.label.setText(
            f"<p style='color:#607D8B'>{escape(self.tr('Select a profile to see its details.'))}</p>"
        )

    def show_profile(self, rows: ProfileRows, r: int) -> None:
        info = PLATFORMS[rows.platform[r]]
        lines = [
            f"<h3 style='margin-bottom:2px'>{escape(rows.display_name[r])}</h3>",
            f"<p style='color:#546E7A;margin-top:0'>@{escape(rows.handle[r])} · {escape(info.label)} "
            f"{escape(KIND_LABELS.get(rows.kind[r], rows.kind[r]).lower())}</p>",
            self._row(self.tr("Ownership"), self.tr(rows.ownership[r].label)),
            self._row(self.tr("Connection status"), STATUS_LABELS[rows.status[r]]),
        ]
        if (days := rows.expires_in_days(r)) is not None:
            lines.append(self._row(self.tr("Next expiry"), plural(days, "in {n} day", "in {n} days")))
        lines.append(self._row(self.tr("Owners"), ", ".join(rows.owners[r]) or self.tr("nobody")))
        lines.append(self._row(self.tr("Groups"), ", ".join(rows.groups[r]) or "–"))
        lines.append(self._row(self.tr("Added"), rows.added_at[r].strftime("%Y-%m-%d %H:%M UTC")))
        if rows.platform_id[r]:
            lines.append(self._row(self.tr("Platform id"), rows.platform_id[r] or ""))
        if rows.connections[r]:
            lines.append(f"<h4>{escape(self.tr('Connections'))}</h4><table cellspacing='2'>")
            for ctype, state in rows.connections[r]:
                color = {ConnectionState.ACTIVE: "#1B6B24", ConnectionState.EXPIRED: "#A1160A"}.get(
                    state, "#607D8B"
                )
                state_text = escape(state.value.replace("_", " "))
                lines.append(
                    f"<tr><td>{escape(ctype.label)}</td>"
                    f"<td style='color:{color};padding-left:10px'>{state_text}</td></tr>"
                )
            lines.append("</table>")
        if rows.notes[r]:
            lines.append(f"<h4>{escape(self.tr('Notes'))}</h4><p>{escape(rows.notes[r])}</p>")
        self.label.setText("".join(lines))

    def show_many(self, rows: ProfileRows, source_rows: list[int]) -> None:
        status = Counter(rows.status[r] for r in source_rows)
        platforms = Counter(PLATFORMS[rows.platform[r]].label for r in source_rows)
        parts = [
            f"<h3>{escape(plural(len(source_rows), '{n} profile selected', '{n} profiles selected'))}</h3>"
        ]
        parts.append(
            "<p>"
            + " · ".join(
                f"{escape(STATUS_LABELS[s])}: {n}" for s, n in sorted(status.items(), key=lambda x: x[0].rank)
            )
            + "</p>"
        )
        parts.append("<p>" + ", ".join(f"{escape(p)} {n}" for p, n in platforms.most_common(6)) + "</p>")
        self.label.setText("".join(parts))

    @staticmethod
    def _row(label: str, value: str) -> str:
        return (
            f"<p style='margin:2px 0'><span style='color:#607D8B'>{escape(label)}:</span> {escape(value)}</p>"
        )
