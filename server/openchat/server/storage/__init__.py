"""SQL storage (SQLite and PostgreSQL through SQLAlchemy 2 async) and its migrations."""
