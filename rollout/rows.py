"""Model instances from hand-written statements, for the few reads every request makes (the
session, the user, the membership): through the ORM, building such a query costs several times
what the database takes to answer it. Anything else goes through the ORM."""

import functools

from django.db import connection


def columns(model, alias):
    """(the fields, "alias.column, ...") of `model`'s concrete fields, for a SELECT list."""
    fields = tuple(model._meta.concrete_fields)
    quote = connection.ops.quote_name
    return fields, ", ".join(f"{alias}.{quote(field.column)}" for field in fields)


def instance(model, fields, values):
    """A model instance from raw column values, converted as the ORM converts them (SQLite's
    booleans and datetimes arrive as numbers and text; PostgreSQL's need nothing)."""
    converted = []
    for (column, converters), value in zip(
        _converters(connection.vendor, model, fields), values, strict=True
    ):
        for convert in converters:
            value = convert(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, [field.attname for field in fields], converted)


@functools.cache
def _converters(vendor, model, fields):
    """[(column, converters)] per field, as the ORM's compiler finds them; once per database kind."""
    found = []
    for field in fields:
        column = field.get_col(model._meta.db_table)
        found.append((column, connection.ops.get_db_converters(column) + field.get_db_converters(connection)))
    return found
