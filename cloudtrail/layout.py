"""Where CloudTrail puts its objects in a bucket, and how it names them: read by the query runner (the
projected partitions of a log file) and by the integrity checker (which files are logs and digests).

Sources (AWS CloudTrail User Guide):
- "Finding your CloudTrail log files" and "CloudTrail log file examples": log files are delivered to
  ``[<prefix>/]AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/`` and named
  ``<account>_CloudTrail_<region>_<yyyymmdd>T<hhmm>Z_<16 characters>.json.gz``.
- "CloudTrail digest file structure": digest files are delivered to
  ``[<prefix>/]AWSLogs/[<org-id>/]<account>/CloudTrail-Digest/<region>/<yyyy>/<mm>/<dd>/`` and named
  ``<account>_CloudTrail-Digest_<region>_<trail>_<home region>_<yyyymmdd>T<hhmmss>Z.json.gz``; a backfill
  digest (log files that delivery delays kept out of the hourly digest) adds ``_backfill`` before
  ``.json.gz``. aws-cli's ``validate-logs`` recognises backfill digests by that suffix too.
- Insights events go to ``.../CloudTrail-Insight/<region>/...`` (another record schema).
- The Athena table's partition projection (``storage.location.template``
  ``s3://<bucket>/[prefix/]AWSLogs/[<org-id>/]${account}/CloudTrail/${region}/${date}``) takes account,
  region and date (``yyyy/MM/dd``) from these path segments, never from the records.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional

# AWS Organizations ids: "o-" and 10 to 32 lowercase letters or digits.
_ORG = r"(?:(o-[a-z0-9]{10,32})/)?"
_REGION = r"([a-z]{2}(?:-[a-z]+)+-\d+)"

# The directory that Athena's partition projection reads, with anything below it.
LOG_DIRECTORY = re.compile(r"(?:^|/)AWSLogs/" + _ORG + r"(\d{12})/CloudTrail/" + _REGION
                           + r"/(\d{4})/(\d{2})/(\d{2})/")
LOG_NAME = re.compile(r"^(\d{12})_CloudTrail_" + _REGION + r"_(\d{8}T\d{4})Z_([A-Za-z0-9]+)\.json(?:\.gz)?$")
DIGEST_DIRECTORY = re.compile(r"(?:^|/)AWSLogs/" + _ORG + r"(\d{12})/CloudTrail-Digest/" + _REGION
                              + r"/(\d{4})/(\d{2})/(\d{2})/$")
DIGEST_NAME = re.compile(r"^(\d{12})_CloudTrail-Digest_" + _REGION + r"_(.+)_" + _REGION
                         + r"_(\d{8}T\d{6})Z(_backfill)?\.json\.gz$")
INSIGHT_DIRECTORY = re.compile(r"(?:^|/)AWSLogs/" + _ORG + r"\d{12}/CloudTrail-Insight/")


@dataclass(frozen=True)
class Partition:
    """The projected partition values of one object: account, region and date as ``yyyy/MM/dd``."""
    account: str
    region: str
    date: str


def log_partition(path: str) -> Optional[Partition]:
    """The partitions of a file under CloudTrail's log layout (a POSIX path or S3 key), or None outside it.

    Only the directories count, as for Athena: any object under ``.../CloudTrail/<region>/<yyyy/mm/dd>/``
    is read with those values. A date that does not exist (``2023/13/40``) is outside the layout."""
    match = LOG_DIRECTORY.search(path)
    if not match:
        return None
    _org, account, region, year, month, day = match.groups()
    try:
        datetime(int(year), int(month), int(day))
    except ValueError:
        return None
    return Partition(account, region, f"{year}/{month}/{day}")


@dataclass(frozen=True)
class LogKey:
    """A log file's S3 key in CloudTrail's layout, with the delivery time its name carries."""
    key: str
    account: str
    region: str
    delivered: datetime


def parse_log_key(key: str) -> Optional[LogKey]:
    """A log file's key (directory and name both in CloudTrail's layout), or None.

    A name whose time is impossible (``20231340T9905Z``) makes the key None: it is not a name CloudTrail
    writes. Callers report such files; they never raise."""
    directory, _, name = key.rpartition("/")
    partition = log_partition(directory + "/")
    match = LOG_NAME.match(name)
    if partition is None or match is None:
        return None
    try:
        delivered = datetime.strptime(match.group(3), "%Y%m%dT%H%M").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return LogKey(key, partition.account, partition.region, delivered)


def looks_like_log_key(key: str) -> bool:
    """Under a CloudTrail log directory with a ``<account>_CloudTrail_`` name, whether or not it parses."""
    directory, _, name = key.rpartition("/")
    return bool(LOG_DIRECTORY.search(directory + "/")) and "_CloudTrail_" in name


@dataclass(frozen=True)
class DigestKey:
    """A digest file's S3 key: the chain it belongs to and the end time its name carries."""
    key: str
    account: str
    region: str
    trail: str
    home_region: str
    end: datetime
    backfill: bool

    @property
    def chain(self) -> tuple:
        """Hourly digests and backfill digests of a trail and region form separate chains (as aws-cli
        traverses them separately)."""
        return (self.account, self.region, self.trail, self.backfill)


def parse_digest_key(key: str) -> Optional[DigestKey]:
    """A digest file's key in CloudTrail's layout, or None (also for an impossible time in the name)."""
    directory, _, name = key.rpartition("/")
    folder = DIGEST_DIRECTORY.search(directory + "/")
    match = DIGEST_NAME.match(name)
    if folder is None or match is None:
        return None
    account, region, trail, home, stamp, backfill = match.groups()
    try:
        end = datetime.strptime(stamp, "%Y%m%dT%H%M%S").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return DigestKey(key, account, region, trail, home, end, bool(backfill))


def looks_like_digest_key(key: str) -> bool:
    """Under a CloudTrail-Digest directory, whether or not its name parses (a damaged name is reported)."""
    return "/CloudTrail-Digest/" in "/" + key and "_CloudTrail-Digest_" in key.rpartition("/")[2]


def is_insight_key(key: str) -> bool:
    return bool(INSIGHT_DIRECTORY.search(key))
