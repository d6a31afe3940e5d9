"""The saved investigations, run locally over downloaded CloudTrail logs with DuckDB (`make query`)."""
