"""The AWS audit baseline's policy pack: the rule catalog and the policies that mirror it.

This package is shared by the pack (``policies/__main__.py``), the program's components and the
tests. It must not import ``pulumi_aws``: the pack matches type tokens and camelCase properties.
"""
PACK_NAME = "aws-audit-baseline"
