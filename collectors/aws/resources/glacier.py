"""Glacier vaults and the jobs inside them: one fetch per region."""
from __future__ import annotations

from typing import List, Tuple

from collectors.aws.kind import UNTAGGED, Client, Json, Kind, by_property, call, points_at, seen_by, tagging, uses
from collectors.aws.resources.base import for_each, optional, paginate
from collectors.common.model import sorted_json

VAULT = "aws_glacier_vault"
JOB = "aws_glacier_job"
KMS_KEY = "aws_kms_key"
SNS_TOPIC = "aws_sns_topic"
GONE = {"ResourceNotFoundException"}  # a vault deleted since it was listed, or one without an access policy


def _details(glacier: Client, vault: Json) -> Tuple[Json, List[Json]]:
    name = vault["VaultName"]
    tags = (optional(glacier.list_tags_for_vault, GONE, vaultName=name) or {}).get("Tags") or {}
    policy = ((optional(glacier.get_vault_access_policy, GONE, vaultName=name) or {}).get("policy") or {}).get("Policy")
    jobs = optional(paginate, GONE, client=glacier, operation="list_jobs", result_key="JobList", vaultName=name)
    return {**vault, "Tags": tags, "Policy": policy}, jobs or []


def get_vaults(glacier: Client) -> Json:
    """Vaults with their tags, access policy and jobs (three detail calls per vault)."""
    found = for_each(paginate(glacier, "list_vaults", "VaultList"), lambda vault: _details(glacier, vault))
    return {"Vaults": [vault for vault, _ in found], "Jobs": [job for _, jobs in found for job in jobs]}


KINDS = [
    Kind(VAULT, "glacier", get_vaults, items="Vaults", id="VaultName", name_of="VaultName", arn="VaultARN",
         prefix="glacier_",
         props={"ctime": "CreationDate",
                "glacier_access_policy": lambda item: sorted_json(item["Policy"]) if item.get("Policy") else None},
         tags=tagging("Tags", "add_tags_to_vault", "remove_tags_from_vault", by_property("vaultName", "name"),
                      tags_as="map"),
         delete=call("delete_vault", vaultName="name"),
         moto=False),  # moto has no routes for vault tags and access policies
    Kind(JOB, "glacier", get_vaults, items="Jobs", id="JobId", name_of="JobId", prefix="glacier_job_",
         props={"ctime": "CreationDate", "description": "JobDescription", "glacier_job_output_path": "JobOutputPath"},
         edges=(seen_by(VAULT, "VaultARN"), uses(KMS_KEY, "OutputLocation.S3.Encryption.KMSKeyId"),
                points_at(SNS_TOPIC, "SNSTopic")),
         tags=UNTAGGED, moto=False),
]
