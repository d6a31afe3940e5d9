"""`python -m audit_baseline ...`: the same as the `audit-baseline` command."""
import sys

from .cli import main

sys.exit(main())
