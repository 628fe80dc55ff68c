"""Import: a Viva Engage user-activity CSV through the Engage step's importer, against PostgreSQL
COPY of the same file into a bare table; and the importing process's peak memory."""


def importer_available():
    try:
        from engage.importers import import_file  # noqa: F401
    except ImportError:
        return False
    return True


def measure(results, rows=1_000_000):
    if not importer_available():
        results["notes"].append("import: not measured, the Engage step's importer is not available")
        return results
    raise NotImplementedError
