"""Alembic environment: migrate the connection the service hands over, or the configured store."""

from alembic import context
from sqlalchemy import Connection

from service.config import get_settings
from service.decisions.models import Base
from service.decisions.store import database_url, make_engine

target_metadata = Base.metadata


def run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = make_engine(database_url(get_settings()))
    with engine.connect() as fresh:
        run(fresh)
    engine.dispose()
