"""Cognito user pools with their users and groups (fetched with their pool, three detail calls per pool)."""
from __future__ import annotations

from typing import Tuple

from collectors.aws.kind import UNTAGGED, Client, Json, Kind, by_arn, call, inside, seen_by, tagging, uses
from collectors.aws.resources.base import for_each, paginate

POOL = "aws_cognito_user_pool"
USER = "aws_cognito_user"
GROUP = "aws_cognito_group"
POOL_PAGE = 60  # ListUserPools wants a page size, 60 at most


def pool_arn(partition: str, region: str, account: str, pool_id: str) -> str:
    return f"arn:{partition}:cognito-idp:{region}:{account}:userpool/{pool_id}"


def get_user_pools(cognito: Client, account: Json) -> Json:
    """Every pool with its tags (asked by ARN, which names the account), users and groups; each user and group
    knows its pool (``UserPoolId``, and the users ``UserPoolName``)."""
    pools = paginate(cognito, "list_user_pools", "UserPools", PaginationConfig={"PageSize": POOL_PAGE})

    def details(pool: Json) -> Tuple[Json, list, list]:
        arn = pool_arn(cognito.meta.partition, cognito.meta.region_name, account["id"], pool["Id"])
        tags = cognito.list_tags_for_resource(ResourceArn=arn).get("Tags") or {}
        users = paginate(cognito, "list_users", "Users", UserPoolId=pool["Id"])
        groups = paginate(cognito, "list_groups", "Groups", UserPoolId=pool["Id"])
        return ({**pool, "Arn": arn, "Tags": tags},
                [{**user, "UserPoolId": pool["Id"], "UserPoolName": pool.get("Name")} for user in users],
                [{**group, "UserPoolId": pool["Id"]} for group in groups])
    found = for_each(pools, details)
    return {"Pools": [pool for pool, _, _ in found], "Users": [u for _, users, _ in found for u in users],
            "Groups": [g for _, _, groups in found for g in groups]}


def group_id(item: Json) -> str:
    """`UserPoolId:GroupName`"""
    return f"{item.get('UserPoolId')}:{item.get('GroupName')}"


def user_key(item: Json, reported: Json) -> tuple:
    # as the reference: one user name may be in several pools, the pool's name tells them apart
    return (reported["id"], reported["arn"], item.get("UserPoolName"))


KINDS = [
    # moto has no tag calls for user pools: the tests use recorded answers
    Kind(POOL, "cognito-idp", get_user_pools, items="Pools", id="Id", name_of="Name", arn="Arn",
         props={"ctime": "CreationDate", "mtime": "LastModifiedDate"},
         # the reference links the custom sender functions only, not the other triggers
         edges=(uses("aws_lambda_function", "LambdaConfig.CustomSMSSender.LambdaArn"),
                uses("aws_lambda_function", "LambdaConfig.CustomEmailSender.LambdaArn"),
                uses("aws_kms_key", "LambdaConfig.KMSKeyID")),
         tags=tagging("Tags", "tag_resource", "untag_resource", by_arn("ResourceArn"), tags_as="map"),
         delete=call("delete_user_pool", UserPoolId="id"), moto=False),
    Kind(USER, "cognito-idp", get_user_pools, items="Users", id="Username", name_of="Username", prefix="user_",
         link="https://{region_id}.console.aws.amazon.com/cognito/v2/idp/user-pools/{UserPoolId}/users/details/{id}"
              "?region={region}",
         props={"ctime": "UserCreateDate", "mtime": "UserLastModifiedDate", "pool_name": "UserPoolName"},
         key=user_key, edges=(seen_by(POOL, "UserPoolId"),), tags=UNTAGGED, moto=False),
    Kind(GROUP, "cognito-idp", get_user_pools, items="Groups", id=group_id, name_of="GroupName",
         props={"ctime": "CreationDate", "mtime": "LastModifiedDate"},
         edges=(seen_by(POOL, "UserPoolId"), inside("aws_iam_role", "RoleArn")), tags=UNTAGGED,
         # the reference names the pool by the group's id (pool:group), which AWS refuses
         delete=call("delete_group", GroupName="name", UserPoolId="user_pool_id"), moto=False),
]
