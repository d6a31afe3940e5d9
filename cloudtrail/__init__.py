"""Knowledge about CloudTrail evidence, shared by the components, the query runner and the checker.

- ``schema``: the record's columns (Glue/Athena types and the local DuckDB reader's types).
- ``query_library`` and ``queries/``: the saved investigations, one Athena (Trino) SQL file each.
- ``detections``: the CIS monitoring detections (metric filter + saved query per detection).
- ``filter_pattern``: a CloudWatch Logs filter-pattern matcher used to test the detections.
- ``layout``: where CloudTrail puts log, digest (and backfill digest) and Insights objects, and how it
  names them: the query runner's partitions and the integrity checker's file kinds.

Nothing here imports Pulumi: the package is plain data and functions.
"""
