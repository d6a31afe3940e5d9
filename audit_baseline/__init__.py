"""`audit-baseline`: the offline gate (`plan`), the saved investigations (`query`) and the log-integrity
check (`verify`) as one installable command. `pipx install .` from a checkout puts it on PATH."""
