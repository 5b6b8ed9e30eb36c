"""Strict simulators of the platforms' documented OAuth and API endpoints, on 127.0.0.1 (Werkzeug).

Importable by every test: ``from tests.simulators.meta import MetaSimulator`` etc. Each module's
docstring cites the documentation it follows; :mod:`tests.simulators.base` holds the shared strict
OAuth 2.0 machinery (exact redirect URIs, client authentication, PKCE encodings, rotation).
"""
