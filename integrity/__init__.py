"""Offline proof that CloudTrail logs were not tampered with: AWS's digest-chain algorithm run over a
copy of the log bucket, with the public keys and chain-head signatures exported from the account."""
