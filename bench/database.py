"""Create the benchmark's PostgreSQL database if it does not exist yet."""

from urllib.parse import urlparse


def create_if_missing(url):
    parsed = urlparse(url)
    if not parsed.scheme.startswith("postgres"):
        return False
    import psycopg2

    name = parsed.path.lstrip("/")
    connection = psycopg2.connect(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password or None,
        dbname="postgres",
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                return False
            cursor.execute(f'CREATE DATABASE "{name}"')
            return True
    finally:
        connection.close()
