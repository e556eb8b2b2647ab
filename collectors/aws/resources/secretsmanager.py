"""Secrets Manager secrets (their metadata: ListSecrets never returns a secret's value)."""
from __future__ import annotations

from typing import List

from collectors.aws.kind import Client, Json, Kind, Tagging, uses
from collectors.aws.resources.base import paginate


def get_secrets(secretsmanager: Client) -> List[Json]:
    return paginate(secretsmanager, "list_secrets", "SecretList")


KINDS = [
    # the reference neither tags nor deletes secrets: tags are read, not changed
    Kind("aws_secretsmanager_secret", "secretsmanager", get_secrets, id="Name", name_of="Name", arn="ARN",
         props={"ctime": "CreatedDate", "mtime": "LastChangedDate", "atime": "LastAccessedDate"},
         edges=(uses("aws_kms_key", "KmsKeyId"),), tags=Tagging(path="Tags")),
]
