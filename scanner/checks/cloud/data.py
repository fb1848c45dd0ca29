"""Keys and stored data: key rotation, storage encryption, access logging and CloudTrail data events."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from scanner.catalog.rules import RuleContext
from scanner.checks.cloud.common import refers_to, report
from scanner.model.cloud import CloudModel, CloudResource
from scanner.model.cloud_values import blocks, flag, items, lookup, unknown_in
from scanner.nodes import text
from scanner.results.findings import Hit

_KMS = {"aws_kms_key": ("enable_key_rotation", ("customer_master_key_spec", "key_spec")),
        "AWS::KMS::Key": ("EnableKeyRotation", ("KeySpec",))}
_SYMMETRIC = "symmetric_default"


def key_rotation_off(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Customer-managed keys that are never rotated (or rotated less often than allowed)."""
    for res in model.of_type(*_KMS):
        rotation_key, spec_keys = _KMS[res.type]
        specs = [res.setting(key) for key in spec_keys]
        if any(not known or (spec or _SYMMETRIC) != _SYMMETRIC for spec, _, known in specs):
            continue  # asymmetric and HMAC keys can't rotate automatically
        enabled, node = res.flag(rotation_key, False)
        if enabled is False:
            yield report(res, node, rotation_key, period="never rotates its key material")
    limit = int(ctx.option("max_rotation_days")) * 86400
    for res in model.of_type("google_kms_crypto_key"):
        purpose, _, known = res.setting("purpose")
        if not known or purpose not in (None, "encrypt_decrypt"):
            continue
        period = res.lookup("rotation_period")
        seconds = _seconds(text(period)) if period is not None else None
        if period is None:
            yield report(res, None, "rotation_period", period="never rotates its key material")
        elif seconds is not None and seconds > limit:
            days = seconds // 86400
            yield report(res, period, "rotation_period",
                         period=f"rotates its key material only every {days} days")
    for res in model.of_type("azurerm_key_vault_key"):
        policy = res.lookup("rotation_policy")
        if policy is None or lookup(policy, "automatic") is None:
            yield report(res, policy, "rotation_policy", period="never rotates its key material")


def _seconds(value: str | None) -> int | None:
    match = re.fullmatch(r"\s*(\d+)(?:\.\d+)?s\s*", value or "")
    return int(match.group(1)) if match else None


# (blocks holding a volume, "encrypted" flag, key whose presence means "copied from a snapshot").
_VOLUMES = {
    "aws_ebs_volume": (("", "encrypted", "snapshot_id"),),
    "AWS::EC2::Volume": (("", "Encrypted", "SnapshotId"),),
    "aws_efs_file_system": (("", "encrypted", ""),),
    "AWS::EFS::FileSystem": (("", "Encrypted", ""),),
    "aws_launch_template": (("block_device_mappings.ebs", "encrypted", "snapshot_id"),),
    "AWS::EC2::LaunchTemplate": (("LaunchTemplateData.BlockDeviceMappings.Ebs", "Encrypted", "SnapshotId"),),
    "aws_launch_configuration": (("root_block_device", "encrypted", ""),
                                 ("ebs_block_device", "encrypted", "snapshot_id")),
    "AWS::AutoScaling::LaunchConfiguration": (("BlockDeviceMappings.Ebs", "Encrypted", "SnapshotId"),),
    # Self-managed and ECS container hosts; a root volume left unwritten comes from the AMI's snapshot.
    "aws_instance": (("root_block_device", "encrypted", ""), ("ebs_block_device", "encrypted", "snapshot_id")),
    "AWS::EC2::Instance": (("BlockDeviceMappings.Ebs", "Encrypted", "SnapshotId"),),
}
_EFS = frozenset({"aws_efs_file_system", "AWS::EFS::FileSystem"})


def storage_unencrypted(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """EBS volumes, EFS file systems and the disks of instances and launch templates stored in
    plain text."""
    # Account-level EBS default encryption covers every new volume (it is on unless `enabled = false`).
    ebs_default = any(res.flag("enabled", True)[0] is not False
                      for res in model.of_type("aws_ebs_encryption_by_default"))
    for res in model.of_type(*_VOLUMES):
        if ebs_default and res.type not in _EFS:
            continue
        for path, flag_key, snapshot_key in _VOLUMES[res.type]:
            for index, volume in enumerate(res.blocks(path) if path else [res.attrs]):
                if snapshot_key and lookup(volume, snapshot_key) is not None:
                    continue  # a volume restored from a snapshot keeps the snapshot's encryption
                encrypted, node = flag(volume, flag_key, False)
                if encrypted is False:
                    where = f"{path}[{index}]." if path else ""
                    yield report(res, node, f"{where}{flag_key}")


_BUCKETS = {"aws_s3_bucket": "logging", "AWS::S3::Bucket": "LoggingConfiguration",
            "google_storage_bucket": "logging"}
# Where other resources name the bucket they write logs to: (type, key).
_LOG_DESTINATIONS = (("aws_cloudtrail", "s3_bucket_name"), ("AWS::CloudTrail::Trail", "S3BucketName"),
                     ("aws_flow_log", "log_destination"), ("AWS::EC2::FlowLog", "LogDestination"))
# Where access logs of other buckets go: such a target need not log access to itself.
_LOG_TARGETS = (("aws_s3_bucket", "logging.target_bucket"), ("aws_s3_bucket_logging", "target_bucket"),
                ("AWS::S3::Bucket", "LoggingConfiguration.DestinationBucketName"),
                ("google_storage_bucket", "logging.log_bucket"))


def bucket_logging_off(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Buckets holding logs or build artifacts whose reads and writes are not themselves logged."""
    markers = {str(marker).lower() for marker in ctx.option("name_markers")}
    separate = model.of_type("aws_s3_bucket_logging")
    for res in model.of_type(*_BUCKETS):
        if res.lookup(_BUCKETS[res.type]) is not None or _linked(model, res, _LOG_TARGETS):
            continue
        if any(refers_to(lookup(log.attrs, "bucket"), res) is not False for log in separate):
            continue
        names = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", f"{res.name} {text(_bucket_name(res)) or ''}")
        words = re.split(r"[^a-z0-9]+", names.lower())
        if "access" in words:
            continue  # by its name, the bucket that receives access logs
        if markers.intersection(words) or _linked(model, res, _LOG_DESTINATIONS):
            yield report(res, None, _BUCKETS[res.type])


def _bucket_name(res: CloudResource):
    key = "BucketName" if res.format == "cloudformation" else "bucket"
    return res.lookup(key) or res.lookup("name")


def _linked(model: CloudModel, bucket: CloudResource, places: tuple[tuple[str, str], ...]) -> bool:
    """Whether a value at one of `places` names `bucket` (by reference or by its literal name)."""
    name = text(_bucket_name(bucket))
    for kind, path in places:
        for other in model.of_type(kind):
            for value in items(lookup(other.attrs, path)):
                written = text(value)
                if refers_to(value, bucket) or (name and written in (name, f"arn:aws:s3:::{name}")):
                    return True
    return False


class TrailSpelling(NamedTuple):
    """Where a CloudTrail trail's settings sit in one format."""

    logging: str  # whether the trail is logging at all
    selectors: str  # basic event selectors
    data_resources: str  # within one: the data resources it records
    advanced: str  # advanced event selectors
    fields: str  # within one: its field selectors
    field_name: str  # within a field selector: the field
    field_values: str  # and the values it must equal


_TRAILS = {"aws_cloudtrail": TrailSpelling("enable_logging", "event_selector", "data_resource",
                                           "advanced_event_selector", "field_selector", "field", "equals"),
           "AWS::CloudTrail::Trail": TrailSpelling("IsLogging", "EventSelectors", "DataResources",
                                                   "AdvancedEventSelectors", "FieldSelectors", "Field", "Equals")}


def trail_data_events_off(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Trails that do not record object-level (data) access, or that are stopped."""
    trails = model.of_type(*_TRAILS)
    # One trail for data events next to a management-only one is a common, complete setup.
    covered = any(_records_data(res, _TRAILS[res.type]) is not False for res in trails)
    for res in trails:
        spelling = _TRAILS[res.type]
        logging, node = res.flag(spelling.logging, True)
        if logging is False:
            yield report(res, node, spelling.logging, problem="is not logging")
        elif not covered:
            yield report(res, None, spelling.selectors, problem="records no data events")


def _records_data(res: CloudResource, spelling: TrailSpelling) -> bool | None:
    if unknown_in(res.lookup(spelling.selectors)) or unknown_in(res.lookup(spelling.advanced)):
        return None
    if any(entry.get(spelling.data_resources) is not None for entry in res.blocks(spelling.selectors)):
        return True
    for selector in res.blocks(spelling.advanced):
        for field in blocks(selector, spelling.fields):
            values = {(text(v) or "").lower() for v in items(field.get(spelling.field_values))}
            if (text(field.get(spelling.field_name)) or "").lower() == "eventcategory" and "data" in values:
                return True
    return False
