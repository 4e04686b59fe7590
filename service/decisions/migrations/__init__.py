"""Alembic migrations of the decision log (env.py, versions/); run by service/decisions/migrate.py."""
