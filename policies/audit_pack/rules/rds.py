"""RDS storage encryption, for DB instances and clusters."""
from __future__ import annotations

from ..props import UNKNOWN, truthy
from ..registry import resource_check

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"


@resource_check("rds-storage-encrypted", (INSTANCE, CLUSTER))
def storage_encrypted(props, config, kind: str = INSTANCE):
    engine = props.get("engine")
    if kind == INSTANCE and isinstance(engine, str) and engine.startswith("aurora"):
        return []  # an Aurora instance's storage is its cluster's: judged on the cluster
    encrypted = truthy(props.get("storageEncrypted")) if "storageEncrypted" in props else None
    if encrypted is UNKNOWN:
        return []
    inherits = [k for k in ("replicateSourceDb", "snapshotIdentifier", "restoreToPointInTime",
                            "replicationSourceIdentifier") if props.get(k) not in (None, "")]
    if encrypted is None and inherits:
        return []  # encryption comes from the source or snapshot, which this stack does not show
    if encrypted is not True:
        what = "DB instance" if kind == INSTANCE else "cluster"
        return [f"storageEncrypted is not true: the {what}'s storage is not encrypted. Set storage_encrypted=True "
                "(existing storage cannot be encrypted in place: restore an encrypted snapshot copy)."]
    want = config.get("kmsKeyId") or ""
    key = props.get("kmsKeyId")
    if want and key is not UNKNOWN and key != want:
        return [f"kmsKeyId is {key or 'the AWS managed key'}, not the required key {want}."]
    return []
