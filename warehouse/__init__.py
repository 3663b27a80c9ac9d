"""The DuckDB warehouse: schema, loading, checks and the consistency report."""
