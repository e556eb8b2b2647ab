"""ECR private repositories, with their lifecycle policies.

The reference also lists ECR Public repositories, as the same kind under the global region; they are
left out here (see ``KINDS``)."""
from __future__ import annotations

from typing import Any, List, Optional

from collectors.aws.kind import UNTAGGED, Client, Json, Kind
from collectors.aws.resources.base import for_each, optional, paginate
from collectors.common.model import sorted_json

# no lifecycle policy; or the repository went away since it was listed
NO_POLICY = {"LifecyclePolicyNotFoundException", "RepositoryNotFoundException"}


def get_repositories(ecr: Client) -> List[Json]:
    """Repositories, each with its lifecycle policy (one detail call per repository)."""
    repositories = paginate(ecr, "describe_repositories", "repositories")

    def policy(repository: Json) -> Optional[Any]:
        found = optional(ecr.get_lifecycle_policy, NO_POLICY, repositoryName=repository["repositoryName"]) or {}
        text = found.get("lifecyclePolicyText")
        return sorted_json(text) if text else None  # a JSON document as text
    for repository, found in zip(repositories, for_each(repositories, policy)):
        repository.update(LifecyclePolicy=found, Visibility="private")
    return repositories


KINDS = [
    # No tags: DescribeRepositories sends none and the reference asks for no more, so its nodes have none.
    # No tag or delete calls either, as in the reference. ECR Public (the reference's public repositories,
    # in the global region) is not collected: moto has no ECR Public, so nothing here could be tested
    # against it, and two declarations of one kind do not fit the table.
    Kind("aws_ecr_repository", "ecr", get_repositories, id="repositoryName",
         props={"ctime": "createdAt", "image_scan_on_push": "imageScanningConfiguration.scanOnPush",
                "lifecycle_policy": "LifecyclePolicy", "repository_visibility": "Visibility"},
         tags=UNTAGGED),
]
