"""A batch of keys (or of small rows) passed as ONE parameter and read by the database as a table.

The send path looks up, checks and updates many keys at once: (sender, client_msg_id) pairs,
(conversation, member) pairs, conversations with their message counts. Spelled as
`(a, b) IN ((?, ?), (?, ?), ...)` those statements have two problems:

- SQLite does not use an index for a row-value IN list: it scans the whole table, once per
  transaction, ever slower as messages accumulate.
- The SQL text changes with the batch size, so PostgreSQL plans it afresh (asyncpg's prepared
  statement cache keeps missing) and SQLAlchemy builds and compiles a new statement each time.

Here the rows travel as one bound value (PostgreSQL: one array per column, unnested together;
SQLite: one JSON array, read with json_each), the statement is built once per dialect and its
text is the same for every batch size, and a join with the batch probes the table's index once
per key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import (
    ARRAY,
    Column,
    ColumnElement,
    String,
    and_,
    bindparam,
    func,
    select,
    type_coerce,
)
from sqlalchemy.sql.expression import FromClause
from sqlalchemy.types import TypeEngine


class KeyBatch:
    """Rows bound as one parameter, joined as the table `name` whose columns have the names and
    types of `columns`: table columns of any type on PostgreSQL, of strings or integers (what
    JSON carries unchanged) on SQLite. Build statements on `table` once; pass `params(rows)`
    with each execution."""

    def __init__(self, dialect: str, name: str, columns: Sequence[Column[Any]]) -> None:
        self._name = name
        self._columns = list(columns)
        self._arrays = dialect == "postgresql"
        self.table: FromClause
        if self._arrays:
            arrays = [
                bindparam(self._array_name(column), type_=_array_of(column.type))
                for column in columns
            ]
            names = [column.key for column in columns]
            self.table = func.unnest(*arrays).table_valued(*names).render_derived(name=name)
            return
        elements = func.json_each(bindparam(name, type_=String())).table_valued("value")
        fields = [
            type_coerce(func.json_extract(elements.c.value, f"$[{index}]"), column.type).label(
                column.key
            )
            for index, column in enumerate(columns)
        ]
        self.table = select(*fields).select_from(elements).subquery(name)

    def matches(self) -> ColumnElement[bool]:
        """The join condition: each of the columns equals the batch's column of that name."""
        return and_(*(column == self.table.c[column.key] for column in self._columns))

    def params(self, rows: Iterable[tuple[Any, ...]]) -> dict[str, Any]:
        """The bound values that carry `rows`."""
        rows = list(rows)
        if self._arrays:
            return {
                self._array_name(column): [row[index] for row in rows]
                for index, column in enumerate(self._columns)
            }
        return {self._name: orjson.dumps(rows).decode()}

    def _array_name(self, column: Column[Any]) -> str:
        return f"{self._name}_{column.key}"


def _array_of(element: TypeEngine[Any]) -> ARRAY[Any]:
    # Without the length: PostgreSQL silently truncates what is cast to VARCHAR(n)[], and a key
    # that merely starts with a stored one must not match it.
    if isinstance(element, String) and element.length is not None:
        element = String()
    return ARRAY(element)
