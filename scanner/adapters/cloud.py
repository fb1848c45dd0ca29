"""The evaluated cloud resources of a scan: every interpreter's output in one `CloudModel`.

The interpreters (`scanner.model.terraform`, `scanner.model.cloudformation`, `scanner.model.arm`) each read only their
own file type and know nothing of one another; this is the one place that asks all of them, so
the cloud model itself stays a leaf that the interpreters build on.
"""

from __future__ import annotations

from collections.abc import Sequence

from scanner.inputs.parsed import ParsedFile
from scanner.model.cloud import CloudModel
from scanner.model.cloudformation import model as cloudformation
from scanner.model.terraform import model as terraform
from scanner.settings.config import Config


def build(files: Sequence[ParsedFile], config: Config) -> CloudModel:
    """Terraform, CloudFormation and ARM together (the ARM interpreter is imported only when an
    ARM file is in the scan)."""
    model = terraform.build(files, config)
    model.extend(cloudformation.build(files, config))
    if any(parsed.type == "arm" for parsed in files):
        from scanner.model.arm import model as arm

        model.extend(arm.build(files, config))
    return model
