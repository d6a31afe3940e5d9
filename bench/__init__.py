"""`make bench`: figures for the pack and the offline plan, each against a floor measured in the same run."""
