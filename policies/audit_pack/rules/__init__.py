"""Rule checks, one module per AWS area. Each check is a pure function over plain property data
and returns the list of violation messages (empty: compliant)."""
