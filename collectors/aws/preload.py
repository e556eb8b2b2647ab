"""What the fork server loads for every AWS child before it forks them: the collector's modules, every
service description of the table (parsed once, shared by all children), the instance type facts."""
from __future__ import annotations

from collectors.aws import collect, mutate, prices  # noqa: F401  (imported for the children)
from collectors.aws.clients import preload_service_models
from collectors.aws.table import services


def preload() -> None:
    preload_service_models(services() + ["sts", "organizations", "iam", "cloudwatch"])
    prices.preload()
