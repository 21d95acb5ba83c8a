"""Alembic environment: migrations run on the connection that openchat.server.storage.migrate
hands over, never on a URL of their own."""

from alembic import context

from openchat.server.storage.tables import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things in place; batch mode recreates the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
