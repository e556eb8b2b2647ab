"""OpenSearch domains."""
from __future__ import annotations

from typing import List

from collectors.aws.kind import UNTAGGED, Client, Json, Kind, inside, points_at, seen_by
from collectors.common.model import sorted_json

DOMAIN = "aws_opensearch_domain"
DOMAINS_PER_CALL = 5  # DescribeDomains takes at most five names


def get_domains(opensearch: Client) -> List[Json]:
    names = [d["DomainName"] for d in opensearch.list_domain_names().get("DomainNames") or [] if d.get("DomainName")]
    domains: List[Json] = []
    for start in range(0, len(names), DOMAINS_PER_CALL):
        domains += opensearch.describe_domains(DomainNames=names[start:start + DOMAINS_PER_CALL]).get(
            "DomainStatusList") or []
    return domains


KINDS = [
    # the reference reads no tags (DescribeDomains sends none) and neither tags nor deletes domains
    Kind(DOMAIN, "opensearch", get_domains, id="DomainId", name_of="DomainName", arn="ARN",
         props={"access_policies": lambda item: sorted_json(item["AccessPolicies"]) if item.get("AccessPolicies")
                else None,
                "snapshot_options": "SnapshotOptions.AutomatedSnapshotStartHour",
                "node_to_node_encryption_options": "NodeToNodeEncryptionOptions.Enabled",
                "software_update_options": "SoftwareUpdateOptions.AutoSoftwareUpdateEnabled"},
         edges=(seen_by("aws_ec2_instance_type", "ClusterConfig.InstanceType"), inside("aws_vpc", "VPCOptions.VPCId"),
                inside("aws_ec2_security_group", "VPCOptions.SecurityGroupIds[]"),
                inside("aws_ec2_subnet", "VPCOptions.SubnetIds[]"),
                points_at("aws_cognito_user_pool", "CognitoOptions.UserPoolId")),
         tags=UNTAGGED),
]
