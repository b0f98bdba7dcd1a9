"""The database: tables, engine and claim, key/value service state, migrations."""
