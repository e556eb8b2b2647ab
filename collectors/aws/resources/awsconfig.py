"""AWS Config configuration recorders."""
from __future__ import annotations

from typing import List

from collectors.aws.kind import UNTAGGED, Client, Json, Kind, call


def get_recorders(config: Client) -> List[Json]:
    """Every recorder (a region has one at most) with its status: one call for all statuses."""
    recorders = config.describe_configuration_recorders().get("ConfigurationRecorders") or []
    statuses = {s.get("name"): s for s in
                config.describe_configuration_recorder_status().get("ConfigurationRecordersStatus") or []}
    return [{**r, "Status": statuses.get(r.get("name"))} for r in recorders]


KINDS = [
    # the reference's ARN is the recorder's role (node ids hash it); recorders carry no tags
    Kind("aws_config_recorder", "config", get_recorders, id="name", name_of="name", arn="roleARN",
         props={"mtime": "Status.lastStatusChangeTime", "recorder_group": "recordingGroup",
                "recorder_status": "Status"},
         tags=UNTAGGED, delete=call("delete_configuration_recorder", ConfigurationRecorderName="name")),
]
