"""The decision log: every recommendation kept, retrievable and auditable, with its feedback.

models.py (tables), store.py (engine, sessions, store errors), migrate.py (Alembic), schemas.py (API bodies),
service.py (record, fetch, list, report, feedback, purge).
Routes call service.py; the engine path is untouched.
"""
