"""CSV cells that a spreadsheet will not run as formulas (CSV / formula injection).

A text cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return, which some
spreadsheets skip before reading one of those) gets a leading apostrophe, so it is shown as
text. Numbers are written as numbers: a negative number is data, not a formula.
"""

from numbers import Number

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if value is None:
        return ""
    if isinstance(value, Number) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(DANGEROUS_STARTS):
        return "'" + text
    return text


def safe_row(values):
    return [safe_cell(value) for value in values]
