"""Systems Manager: the account's own documents, managed instances and resource compliance summaries."""
from __future__ import annotations

import json
from typing import Any, List, Optional

from collectors.aws.kind import UNTAGGED, Client, Json, Kind, Tagging, points_at, uses
from collectors.aws.resources.base import for_each, optional, paginate

DOCUMENT = "aws_ssm_document"
INSTANCE = "aws_ssm_instance"
COMPLIANCE = "aws_ssm_resource_compliance"
EC2_INSTANCE = "aws_ec2_instance"
GONE = {"InvalidDocument"}  # deleted since it was listed


def _content(ssm: Client, name: str, listed_format: Optional[str]) -> Any:
    """The document's content as an object: SSM converts YAML documents to JSON when asked (TEXT ones are no
    objects and stay out)."""
    if listed_format not in ("JSON", "YAML"):
        return None
    found = optional(ssm.get_document, GONE, Name=name, DocumentFormat="JSON") or {}
    try:
        return json.loads(found["Content"]) if found.get("Content") else None
    except ValueError:
        return None


def get_documents(ssm: Client) -> List[Json]:
    """The documents this account owns, each described, with its content and who it is shared with (three detail
    calls per document)."""
    listed = paginate(ssm, "list_documents", "DocumentIdentifiers", Filters=[{"Key": "Owner", "Values": ["Self"]}])

    def details(entry: Json) -> Optional[Json]:
        name = entry["Name"]
        document = (optional(ssm.describe_document, GONE, Name=name) or {}).get("Document")
        shared = optional(ssm.describe_document_permission, GONE, Name=name, PermissionType="Share")
        if document is None or shared is None:
            return None
        return {**document, "Content": _content(ssm, name, document.get("DocumentFormat")),
                "SharedWith": shared.get("AccountIds") or [], "SharingInfo": shared.get("AccountSharingInfoList") or []}
    return [d for d in for_each(listed, details) if d is not None]


def get_managed_instances(ssm: Client) -> List[Json]:
    return paginate(ssm, "describe_instance_information", "InstanceInformationList")


def get_compliance_summaries(ssm: Client) -> List[Json]:
    return paginate(ssm, "list_resource_compliance_summaries", "ResourceComplianceSummaryItems")


def compliance_id(item: Json) -> str:
    return f"{item.get('ComplianceType')}_{item.get('ResourceType')}_{item.get('ResourceId')}"


# what a compliance summary is about, by its resource type (the reference's lookup); a table's id is its name
COMPLIANT_KINDS = {"ManagedInstance": (EC2_INSTANCE, "id"), "AWS::EC2::Instance": (EC2_INSTANCE, "id"),
                   "AWS::DynamoDB::Table": ("aws_dynamodb_table", "name"), "Document": (DOCUMENT, "id"),
                   "AWS::S3::Bucket": ("aws_s3_bucket", "id")}


def compliant_resource(kind: str, by: str):
    def get(item: Json) -> Optional[str]:
        return item.get("ResourceId") if COMPLIANT_KINDS.get(item.get("ResourceType") or "") == (kind, by) else None
    return get


def ec2_instance_of(item: Json) -> Optional[str]:
    return item.get("InstanceId") if item.get("ResourceType") == "EC2Instance" else None


KINDS = [
    # tags are read; the reference has no calls to change them, nor to delete documents
    Kind(DOCUMENT, "ssm", get_documents, id="Name", name_of="Name",
         props={"ctime": "CreatedDate", "content": "Content", "document_shared_with_accounts": "SharedWith",
                "document_sharing_info": "SharingInfo", "attachments_information": "AttachmentsInformation[].Name"},
         tags=Tagging(path="Tags")),
    Kind(INSTANCE, "ssm", get_managed_instances, id="InstanceId", name_of="Name",
         props={"last_ping": "LastPingDateTime"}, edges=(uses(EC2_INSTANCE, ec2_instance_of),),
         tags=UNTAGGED, moto=False),
    Kind(COMPLIANCE, "ssm", get_compliance_summaries, id=compliance_id,
         edges=tuple(points_at(kind, compliant_resource(kind, by), by=by)
                     for kind, by in sorted(set(COMPLIANT_KINDS.values()))),
         tags=UNTAGGED, moto=False),
]
