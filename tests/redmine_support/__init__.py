"""Helpers for tests against the real Redmine started by ``scripts/redmine-test-server``.

Imported as a top-level package (the test files put ``tests/`` on ``sys.path``), because
pytest runs with ``--import-mode=importlib`` and ``tests`` is not a package.
"""
