"""SageMaker: the kinds moto serves from the moto world (``world_sagemaker.py``), the others from recorded answers
(``recorded/sagemaker``) through the fault proxy, over a real socket; then what the gets do around their detail
calls: apps of shared spaces are described by their space, deleted apps are left out, a domain's code
repositories are found by URL with one listing, tags that cannot be read cost the tags only."""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from collectors.aws.resources.sagemaker import get_apps
from worker.graph.ids import node_id

from .conftest import Collected, collect_through_proxy
from .faults import FaultProxy
from .recorded import RECORDED, Recorded
from .world import World
from .world_sagemaker import (COMPILATION_JOB, DOMAIN, ENDPOINT, EXPERIMENT, MODEL, NOTEBOOK, PIPELINE, PROCESSING_JOB,
                              TRAINING_JOB, TRANSFORM_JOB, TRIAL, TUNING_JOB)

pytestmark = pytest.mark.e2e

REGION = "us-east-1"
SERVICES = ["sagemaker", "iam", "ec2", "s3", "kms", "sns", "lambda"]
RECORDED_ACCOUNT = "210987654321"
OWNER = {"owner": "ops"}


def sm_arn(kind: str, name: str, account: str = RECORDED_ACCOUNT) -> str:
    return f"arn:aws:sagemaker:{REGION}:{account}:{kind}/{name}"


@pytest.fixture(scope="module")
def member(world: World):
    return world.members[1]


@pytest.fixture(scope="module")
def recorded() -> Recorded:
    return Recorded()


@pytest.fixture(scope="module")
def collected(member, aws_env, recorded, tmp_path_factory) -> Collected:
    patch = pytest.MonkeyPatch()
    try:
        path = tmp_path_factory.mktemp("sagemaker") / "world.ndjson"
        return collect_through_proxy(patch, aws_env, member.account_id, path, recorded, region=[REGION],
                                     collect=SERVICES)
    finally:
        patch.undo()


def test_the_account_lands_without_errors(collected, recorded):
    assert collected.progress.errors == [] and collected.result.warning_count == 0
    for operation in ("ListAlgorithms", "DescribeAlgorithm", "ListApps", "DescribeApp", "ListArtifacts",
                      "DescribeArtifact", "ListAutoMLJobs", "DescribeAutoMLJob", "ListEdgePackagingJobs",
                      "DescribeEdgePackagingJob", "ListImages", "DescribeImage", "ListInferenceRecommendationsJobs",
                      "DescribeInferenceRecommendationsJob", "ListLabelingJobs", "DescribeLabelingJob", "ListProjects",
                      "ListUserProfiles", "ListWorkteams", "ListCodeRepositories"):
        assert recorded.served[("sagemaker", operation)] >= 1, operation


def test_the_kinds_moto_serves(member, collected):
    graph, account, here = collected, member.account_id, member.regions[REGION]
    role = graph.by_id("aws_iam_role", next(n["reported"]["id"] for n in graph.of_kind("aws_iam_role")
                                           if n["reported"]["name"] == member.roles[0]))
    subnet, group = graph.by_id("aws_ec2_subnet", here.subnets[0]), graph.by_id("aws_ec2_security_group",
                                                                              here.security_group)
    key, bucket = graph.by_id("aws_kms_key", here.key_id), graph.by_id("aws_s3_bucket", member.buckets[0])

    notebook = graph.by_id("aws_sagemaker_notebook", NOTEBOOK)
    reported = notebook["reported"]
    assert reported["tags"] == OWNER and reported["notebook_instance_type"] == "ml.t3.medium"
    assert reported["notebook_volume_size_in_gb"] == 5 and reported["arn"].startswith(f"arn:aws:sagemaker:{REGION}:")
    for other in (subnet, group, role):
        assert graph.has_edge(other, notebook) and graph.has_edge(other, notebook, "delete")
    assert graph.has_edge(notebook, key) and graph.has_edge(key, notebook, "delete")

    model = graph.by_id("aws_sagemaker_model", MODEL)
    assert model["reported"]["model_primary_container"]["model_data_url"] == f"s3://{member.buckets[0]}/model.tar.gz"
    assert graph.has_edge(model, bucket) and graph.has_edge(model, role) and graph.has_edge(model, role, "delete")
    assert graph.has_edge(subnet, model) and graph.has_edge(group, model, "delete")

    endpoint = graph.by_id("aws_sagemaker_endpoint", ENDPOINT)
    assert endpoint["reported"]["endpoint_config_name"] == "churn-config" and endpoint["reported"]["tags"] == OWNER

    (domain,) = graph.of_kind("aws_sagemaker_domain")
    reported = domain["reported"]
    assert reported["name"] == DOMAIN and reported["id"] == here.more["aws_sagemaker_domain"][0]
    assert domain["metadata"]["provider_link"] == (f"https://{REGION}.console.aws.amazon.com/sagemaker/home?"
                                                   f"region={REGION}#/studio/{reported['id']}")
    assert graph.has_edge(graph.by_id("aws_vpc", here.vpc), domain) and graph.has_edge(subnet, domain, "delete")
    assert graph.has_edge(role, domain) and graph.has_edge(domain, key)

    experiment, trial = graph.by_id("aws_sagemaker_experiment", EXPERIMENT), graph.by_id("aws_sagemaker_trial", TRIAL)
    assert graph.has_edge(experiment, trial)  # moto lists no display name
    pipeline = graph.by_id("aws_sagemaker_pipeline", PIPELINE)
    assert graph.has_edge(role, pipeline) and pipeline["reported"]["pipeline_definition"]

    compilation = graph.by_id("aws_sagemaker_compilation_job", COMPILATION_JOB)
    assert compilation["reported"]["compilation_job_input_config"]["framework"] == "XGBOOST"
    assert graph.has_edge(compilation, bucket) and graph.has_edge(role, compilation)
    training = graph.by_id("aws_sagemaker_training_job", TRAINING_JOB)
    assert training["reported"]["tags"] == OWNER and training["reported"]["training_job_training_job_status"]
    for other in (experiment, trial, role, subnet, group):
        assert graph.has_edge(other, training)
    assert graph.has_edge(training, bucket) and graph.has_edge(training, key)
    tuning = graph.by_id("aws_sagemaker_hyper_parameter_tuning_job", TUNING_JOB)
    assert tuning["reported"]["tags"] == OWNER and graph.has_edge(role, tuning) and graph.has_edge(tuning, bucket)
    processing = graph.by_id("aws_sagemaker_processing_job", PROCESSING_JOB)
    assert graph.has_edge(experiment, processing) and graph.has_edge(processing, bucket)
    transform = graph.by_id("aws_sagemaker_transform_job", TRANSFORM_JOB)
    assert graph.has_edge(model, transform) and graph.has_edge(transform, key) and graph.has_edge(transform, bucket)
    assert transform["reported"]["arn"] == f"arn:aws:sagemaker:{REGION}:{account}:transform-job/{TRANSFORM_JOB}"


def test_the_kinds_from_recorded_answers(member, collected):
    graph, account = collected, member.account_id
    algorithm = graph.by_id("aws_sagemaker_algorithm", "churn-xgb")["reported"]
    assert algorithm["arn"] == sm_arn("algorithm", "churn-xgb") and algorithm["algorithm_status"] == "Completed"
    assert algorithm["algorithm_validation_profiles"][0]["profile_name"] == "quick"

    (app,) = graph.of_kind("aws_sagemaker_app")  # the deleted one is left out
    # the reference's key: (…, id, name, user profile) without the ARN
    assert app["id"] == node_id("aws_sagemaker_app", "aws", account, REGION, None, "default", "default", "ana")
    assert app["reported"]["app_user_profile_name"] == "ana" and app["reported"]["atime"] == "2026-01-06T10:11:12Z"
    profile = graph.by_id("aws_sagemaker_user_profile", "ana")
    assert profile["reported"]["arn"] == f"arn:aws:sagemaker:{REGION}:{account}:user-profile/ana"  # the template's
    assert graph.has_edge(profile, app) and graph.has_edge(app, profile, "delete")
    image = graph.by_id("aws_sagemaker_image", "custom-python")
    assert graph.has_edge(app, image) and image["reported"]["image_display_name"] == "Custom Python"

    artifact = graph.by_id("aws_sagemaker_artifact", sm_arn("artifact", "0123456789abcdef0123456789abcdef"))
    repository = graph.by_id("aws_sagemaker_code_repository", "churn-notebooks")
    project = graph.by_id("aws_sagemaker_project", "p-abcdef123456")
    assert artifact["reported"]["name"] == "train-data" and project["reported"]["name"] == "churn"
    assert graph.has_edge(repository, artifact) and graph.has_edge(project, artifact)
    assert graph.has_edge(profile, artifact)
    assert repository["reported"]["code_repository_url"] == "https://git.example.com/ml/churn.git"

    workteam = graph.by_id("aws_sagemaker_workteam", "labelers")["reported"]
    assert workteam["tags"] == OWNER and workteam["arn"] == sm_arn("workteam", "private-crowd/labelers")
    labeling = graph.by_id("aws_sagemaker_labeling_job", "churn-labels")
    assert labeling["reported"]["tags"] == OWNER and labeling["reported"]["labeling_job_label_counters"][
        "total_labeled"] == 90
    assert graph.has_edge(graph.by_id("aws_sagemaker_workteam", "labelers"), labeling)
    automl = graph.by_id("aws_sagemaker_auto_ml_job", "churn-automl")["reported"]
    assert automl["auto_ml_job_objective"] == "F1" and automl["auto_ml_job_partial_failure_reasons"] == [
        "one candidate failed"]
    edge = graph.by_id("aws_sagemaker_edge_packaging_job", "churn-edge")
    assert graph.has_edge(graph.by_id("aws_sagemaker_model", MODEL), edge)  # the world's model of that name
    sizing = graph.by_id("aws_sagemaker_inference_recommendations_job", "churn-sizing")
    assert graph.has_edge(sizing, graph.by_id("aws_sagemaker_endpoint", ENDPOINT))


def _answers(tmp_path: Path, **bodies) -> Recorded:
    (tmp_path / "sagemaker").mkdir(parents=True)
    for operation, body in bodies.items():
        (tmp_path / "sagemaker" / f"{operation}.json").write_text(json.dumps({"status": 200, "body": body}))
    return Recorded(tmp_path)


def test_apps_are_described_by_their_user_profile_or_their_space(aws_env, tmp_path):
    listed = json.loads((RECORDED / "sagemaker" / "ListApps.json").read_text())["body"]
    listed["Apps"].append({"DomainId": "d-studio1", "SpaceName": "team-space", "AppType": "JupyterLab",
                           "AppName": "shared", "Status": "InService", "CreationTime": 1767607872.5})
    described = json.loads((RECORDED / "sagemaker" / "DescribeApp.json").read_text())["body"]
    asked = []
    with FaultProxy(aws_env, recorded=_answers(tmp_path, ListApps=listed, DescribeApp=described)) as proxy:
        client = boto3.client("sagemaker", region_name=REGION, endpoint_url=proxy.start())
        client.meta.events.register("before-parameter-build.sagemaker.DescribeApp",
                                    lambda params, **_: asked.append(params))
        # one recorded description answers both
        assert [a["AppName"] for a in get_apps(client)] == ["default", "default"]
    # the deleted app is not described
    assert sorted(asked, key=lambda p: p["AppName"]) == [
        {"DomainId": "d-studio1", "AppType": "JupyterServer", "AppName": "default", "UserProfileName": "ana"},
        {"DomainId": "d-studio1", "AppType": "JupyterLab", "AppName": "shared", "SpaceName": "team-space"}]


def test_a_domain_finds_its_code_repositories_by_url(member, aws_env, monkeypatch, tmp_path, recorded):
    url = "https://git.example.com/ml/churn.git"

    def with_repository(service: str, answer: bytes) -> bytes:
        if service != "sagemaker" or b'"DefaultUserSettings"' not in answer:
            return answer
        domain = json.loads(answer)
        domain["DefaultUserSettings"]["JupyterServerAppSettings"] = {"CodeRepositories": [{"RepositoryUrl": url}]}
        return json.dumps(domain).encode()
    graph = collect_through_proxy(monkeypatch, aws_env, member.account_id, tmp_path / "repos.ndjson", recorded,
                                  rewrite=with_repository, region=[REGION], collect=["sagemaker"])
    (domain,) = graph.of_kind("aws_sagemaker_domain")
    assert graph.has_edge(graph.by_id("aws_sagemaker_code_repository", "churn-notebooks"), domain)
    assert graph.progress.errors == []


MOTO_500 = ("<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>"
            "\n<p>The server encountered an internal error and was unable to complete your request.</p>\n")


def test_tags_that_cannot_be_read_cost_the_tags_only(member, aws_env, monkeypatch, tmp_path):
    """ListTags failing (as moto answers for an ARN it does not know: a 500 with a page of HTML) for every
    resource: the nodes stay, without tags, one line per fetch."""
    answers = tmp_path / "answers"
    (answers / "sagemaker").mkdir(parents=True)
    for path in (RECORDED / "sagemaker").glob("*.json"):
        (answers / "sagemaker" / path.name).write_text(path.read_text())
    (answers / "sagemaker" / "ListTags.json").write_text(json.dumps({"status": 500, "body": MOTO_500}))
    graph = collect_through_proxy(monkeypatch, aws_env, member.account_id, tmp_path / "tags.ndjson", Recorded(answers),
                                  region=[REGION], collect=["sagemaker"], retry_max_attempts=1)
    workteam = graph.by_id("aws_sagemaker_workteam", "labelers")["reported"]
    assert workteam["tags"] == {} and workteam["workteam_sub_domain"] == "abc.labeling.sagemaker.aws"
    assert graph.by_id("aws_sagemaker_notebook", NOTEBOOK)["reported"]["tags"] == {}
    assert graph.by_id("aws_sagemaker_labeling_job", "churn-labels")["reported"]["tags"] == OWNER  # described
    fetches = ("notebooks", "models", "endpoints", "workteams", "tuning_jobs", "training_jobs", "transform_jobs")
    assert sorted(graph.progress.errors) == sorted(
        f"aws account {member.account_id} region {REGION}: sagemaker ({name}): tags of 1 of 1 left out: 500"
        for name in fetches)
