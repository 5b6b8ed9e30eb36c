"""Operations: every user action, as the windows and the command line call it.

After Anki's ``aqt/operations``: an operation owns its unit of work (it opens the workspace's session,
calls the services, commits) and returns plain records plus a :class:`~socialdesk.ops.changes.Change`
that names what changed, so that the main window can tell each view to refresh only that. Operations
import no Qt; ``socialdesk.ui.ops_runner`` runs them off the GUI thread.

Layers (enforced by import-linter, see ``pyproject.toml``): ``models`` ← ``services`` ← ``ops`` ←
``ui`` and ``commands``. The windows and the command line never open a session and never import
SQLAlchemy or ``models.schema``.
"""
