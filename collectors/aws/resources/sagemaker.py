"""SageMaker: notebooks, models, endpoints, Studio domains with their user profiles and apps, experiments and
trials, pipelines, images, artifacts, algorithms, code repositories, projects, workteams and the nine kinds of
job (``aws_sagemaker_job`` is their abstract base: no node has it as its own kind).

A list call answers with summaries, so most kinds take one describe call per item (a few at a time); the kinds
the reference tags read their tags with ListTags per item (labeling jobs carry them in their description).
Every kind is its own fetch: SageMaker's calls are slow, and separate fetches let the plan run several of them
at once in a region (``resource_pool_tasks_per_service``)."""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Union

from botocore.exceptions import ClientError

from collectors.aws.clients import error_code
from collectors.aws.kind import (UNTAGGED, Client, Json, Kind, by_arn, call, holds, inside, points_at, seen_by,
                                 tagging, used_by, uses, values)
from collectors.aws.resources.base import Partial, for_each, optional, paginate

NOTEBOOK = "aws_sagemaker_notebook"
ALGORITHM = "aws_sagemaker_algorithm"
MODEL = "aws_sagemaker_model"
APP = "aws_sagemaker_app"
DOMAIN = "aws_sagemaker_domain"
EXPERIMENT = "aws_sagemaker_experiment"
TRIAL = "aws_sagemaker_trial"
PROJECT = "aws_sagemaker_project"
CODE_REPOSITORY = "aws_sagemaker_code_repository"
ENDPOINT = "aws_sagemaker_endpoint"
IMAGE = "aws_sagemaker_image"
ARTIFACT = "aws_sagemaker_artifact"
USER_PROFILE = "aws_sagemaker_user_profile"
PIPELINE = "aws_sagemaker_pipeline"
WORKTEAM = "aws_sagemaker_workteam"
AUTO_ML_JOB = "aws_sagemaker_auto_ml_job"
COMPILATION_JOB = "aws_sagemaker_compilation_job"
EDGE_PACKAGING_JOB = "aws_sagemaker_edge_packaging_job"
TUNING_JOB = "aws_sagemaker_hyper_parameter_tuning_job"
RECOMMENDATIONS_JOB = "aws_sagemaker_inference_recommendations_job"
LABELING_JOB = "aws_sagemaker_labeling_job"
PROCESSING_JOB = "aws_sagemaker_processing_job"
TRAINING_JOB = "aws_sagemaker_training_job"
TRANSFORM_JOB = "aws_sagemaker_transform_job"
ROLE = "aws_iam_role"
SUBNET = "aws_ec2_subnet"
SECURITY_GROUP = "aws_ec2_security_group"
VPC = "aws_vpc"
NETWORK_INTERFACE = "aws_ec2_network_interface"
KMS_KEY = "aws_kms_key"
BUCKET = "aws_s3_bucket"
ALARM = "aws_cloudwatch_alarm"
TOPIC = "aws_sns_topic"
FUNCTION = "aws_lambda_function"
USER_POOL = "aws_cognito_user_pool"
COGNITO_GROUP = "aws_cognito_group"
DATA_CATALOG = "aws_athena_data_catalog"
WORK_GROUP = "aws_athena_work_group"
REDSHIFT_CLUSTER = "aws_redshift_cluster"

# what a describe call answers for an item deleted since it was listed
GONE = {"ResourceNotFound", "ValidationException"}
# the reference expects these lists to fail in regions that do not offer the feature: nothing there
NOT_OFFERED = {"UnknownOperationException"}
# the most every list call takes: their default is 10 a page (ListTrainingJobs), one slow call each
PAGE = {"PaginationConfig": {"PageSize": 100}}


# ---- fetch -----------------------------------------------------------------------------------------

def _listed(sm: Client, operation: str, key: str, not_offered: bool = False) -> List[Json]:
    if not_offered:
        return optional(paginate, NOT_OFFERED, client=sm, operation=operation, result_key=key, **PAGE) or []
    return paginate(sm, operation, key, **PAGE)


def _described(sm: Client, items: List[Json], describe: str, **names: str) -> List[Json]:
    """Each item's description (``describe`` with parameters named by ``names``: parameter → item field),
    without the items deleted since they were listed."""
    def one(item: Json) -> Optional[Json]:
        found = optional(getattr(sm, describe), GONE, **{param: item[field] for param, field in names.items()})
        if found:
            found.pop("ResponseMetadata", None)
        return found
    return [found for found in for_each(items, one) if found]


def _tagged(sm: Client, items: List[Json], arn: str) -> Union[List[Json], Partial]:
    """Each item with its tags (ListTags by its ARN); an item whose tags cannot be read keeps its node."""
    failed: List[str] = []

    def tags(item: Json) -> List[Json]:
        try:
            return paginate(sm, "list_tags", "Tags", ResourceArn=item[arn])
        except ClientError as e:
            failed.append(error_code(e))
            return []
    for item, found in zip(items, for_each(items, tags)):
        item["Tags"] = found
    if failed:
        return Partial(items, [f"tags of {len(failed)} of {len(items)} left out: {', '.join(sorted(set(failed)))}"])
    return items


def get_notebooks(sm: Client) -> Union[List[Json], Partial]:
    listed = _listed(sm, "list_notebook_instances", "NotebookInstances")
    described = _described(sm, listed, "describe_notebook_instance", NotebookInstanceName="NotebookInstanceName")
    return _tagged(sm, described, "NotebookInstanceArn")


def get_algorithms(sm: Client) -> List[Json]:
    return _described(sm, _listed(sm, "list_algorithms", "AlgorithmSummaryList"), "describe_algorithm",
                      AlgorithmName="AlgorithmName")


def get_models(sm: Client) -> Union[List[Json], Partial]:
    described = _described(sm, _listed(sm, "list_models", "Models"), "describe_model", ModelName="ModelName")
    return _tagged(sm, described, "ModelArn")


def get_apps(sm: Client) -> List[Json]:
    """Apps of a user profile or of a shared space (DescribeApp names one or the other); deleted apps, which
    ListApps keeps showing for a while, are left out."""
    listed = [app for app in _listed(sm, "list_apps", "Apps") if app.get("Status") != "Deleted"]

    def one(app: Json) -> Optional[Json]:
        owner = {"UserProfileName": app["UserProfileName"]} if app.get("UserProfileName") else \
            {"SpaceName": app["SpaceName"]} if app.get("SpaceName") else None
        if owner is None:
            return None
        found = optional(sm.describe_app, GONE, DomainId=app["DomainId"], AppType=app["AppType"],
                         AppName=app["AppName"], **owner)
        if found:
            found.pop("ResponseMetadata", None)
        return found
    return [found for found in for_each(listed, one) if found]


# where a domain names the code repositories of its Jupyter servers; the default space's count only with a
# default resource spec, as the reference reads them
DOMAIN_REPOSITORY_URLS = ("DefaultUserSettings.JupyterServerAppSettings.CodeRepositories[].RepositoryUrl",)
SPACE_JUPYTER = "DefaultSpaceSettings.JupyterServerAppSettings"


def _repository_urls(domain: Json) -> List[str]:
    urls = [url for path in DOMAIN_REPOSITORY_URLS for url in values(domain, path)]
    if values(domain, f"{SPACE_JUPYTER}.DefaultResourceSpec"):
        urls += values(domain, f"{SPACE_JUPYTER}.CodeRepositories[].RepositoryUrl")
    return urls


def get_domains(sm: Client) -> Union[List[Json], Partial]:
    """Domains, each with the names of the code repositories it names by URL (``CodeRepositoryNames``): one
    ListCodeRepositories in the region, only when some domain names one."""
    domains = _described(sm, _listed(sm, "list_domains", "Domains"), "describe_domain", DomainId="DomainId")
    if not any(_repository_urls(d) for d in domains):
        return domains
    try:
        repositories = _listed(sm, "list_code_repositories", "CodeRepositorySummaryList")
    except ClientError as e:
        return Partial(domains, [f"links of domains to code repositories left out: {error_code(e)}"])
    by_url = {(r.get("GitConfig") or {}).get("RepositoryUrl"): r["CodeRepositoryName"] for r in repositories}
    for domain in domains:
        domain["CodeRepositoryNames"] = [by_url[url] for url in _repository_urls(domain) if url in by_url]
    return domains


def get_experiments(sm: Client) -> List[Json]:
    return _listed(sm, "list_experiments", "ExperimentSummaries")


def get_trials(sm: Client) -> List[Json]:
    return _described(sm, _listed(sm, "list_trials", "TrialSummaries"), "describe_trial", TrialName="TrialName")


def get_projects(sm: Client) -> List[Json]:
    return _listed(sm, "list_projects", "ProjectSummaryList")


def get_code_repositories(sm: Client) -> List[Json]:
    return _listed(sm, "list_code_repositories", "CodeRepositorySummaryList")


def get_endpoints(sm: Client) -> Union[List[Json], Partial]:
    described = _described(sm, _listed(sm, "list_endpoints", "Endpoints"), "describe_endpoint",
                           EndpointName="EndpointName")
    return _tagged(sm, described, "EndpointArn")


def get_images(sm: Client) -> List[Json]:
    return _described(sm, _listed(sm, "list_images", "Images"), "describe_image", ImageName="ImageName")


def get_artifacts(sm: Client) -> List[Json]:
    return _described(sm, _listed(sm, "list_artifacts", "ArtifactSummaries"), "describe_artifact",
                      ArtifactArn="ArtifactArn")


def get_user_profiles(sm: Client) -> List[Json]:
    return _listed(sm, "list_user_profiles", "UserProfiles")


def get_pipelines(sm: Client) -> List[Json]:
    return _described(sm, _listed(sm, "list_pipelines", "PipelineSummaries"), "describe_pipeline",
                      PipelineName="PipelineName")


def get_workteams(sm: Client) -> Union[List[Json], Partial]:
    return _tagged(sm, _listed(sm, "list_workteams", "Workteams", not_offered=True), "WorkteamArn")


def get_auto_ml_jobs(sm: Client) -> List[Json]:
    return _described(sm, _listed(sm, "list_auto_ml_jobs", "AutoMLJobSummaries", not_offered=True),
                      "describe_auto_ml_job", AutoMLJobName="AutoMLJobName")


def get_compilation_jobs(sm: Client) -> List[Json]:
    return _described(sm, _listed(sm, "list_compilation_jobs", "CompilationJobSummaries"),
                      "describe_compilation_job", CompilationJobName="CompilationJobName")


def get_edge_packaging_jobs(sm: Client) -> List[Json]:
    return _described(sm, _listed(sm, "list_edge_packaging_jobs", "EdgePackagingJobSummaries", not_offered=True),
                      "describe_edge_packaging_job", EdgePackagingJobName="EdgePackagingJobName")


def get_tuning_jobs(sm: Client) -> Union[List[Json], Partial]:
    described = _described(sm, _listed(sm, "list_hyper_parameter_tuning_jobs", "HyperParameterTuningJobSummaries"),
                           "describe_hyper_parameter_tuning_job",
                           HyperParameterTuningJobName="HyperParameterTuningJobName")
    return _tagged(sm, described, "HyperParameterTuningJobArn")


def get_recommendations_jobs(sm: Client) -> List[Json]:
    listed = _listed(sm, "list_inference_recommendations_jobs", "InferenceRecommendationsJobs", not_offered=True)
    return _described(sm, listed, "describe_inference_recommendations_job", JobName="JobName")


def get_labeling_jobs(sm: Client) -> List[Json]:
    # the description carries the job's tags
    return _described(sm, _listed(sm, "list_labeling_jobs", "LabelingJobSummaryList", not_offered=True),
                      "describe_labeling_job", LabelingJobName="LabelingJobName")


def get_processing_jobs(sm: Client) -> List[Json]:
    return _described(sm, _listed(sm, "list_processing_jobs", "ProcessingJobSummaries"), "describe_processing_job",
                      ProcessingJobName="ProcessingJobName")


def get_training_jobs(sm: Client) -> Union[List[Json], Partial]:
    described = _described(sm, _listed(sm, "list_training_jobs", "TrainingJobSummaries"), "describe_training_job",
                           TrainingJobName="TrainingJobName")
    return _tagged(sm, described, "TrainingJobArn")


def get_transform_jobs(sm: Client) -> Union[List[Json], Partial]:
    described = _described(sm, _listed(sm, "list_transform_jobs", "TransformJobSummaries"), "describe_transform_job",
                           TransformJobName="TransformJobName")
    return _tagged(sm, described, "TransformJobArn")


# ---- values ----------------------------------------------------------------------------------------

def _each(*paths: str, of: Callable[[Any], Any] = lambda v: v) -> Callable[[Json], List[Any]]:
    """The values at all ``paths`` (through ``of``), each once, in order."""
    def get(item: Json) -> List[Any]:
        found: Dict[Any, None] = {}
        for path in paths:
            for value in values(item, path):
                value = of(value) if isinstance(value, str) else None
                if value:
                    found.setdefault(value, None)
        return list(found)
    return get


def bucket_of(uri: str) -> str:
    """The bucket an S3 URI or URL names (``s3://b/k``, ``https://s3….amazonaws.com/b/k``,
    ``https://b.s3….amazonaws.com/k``), as the reference reads it; anything else as it is."""
    if uri.lower().startswith("s3://"):
        return uri.split("/")[2]
    if uri.startswith("https://s3"):
        return uri.split("amazonaws.com/")[-1].split("/")[0]
    if uri.startswith("https://"):
        return uri.split("//")[-1].split(".")[0]
    return uri


def key_of(key: str) -> str:
    """A KMS key by its id: the last segment of a key ARN."""
    return key.rsplit("/", 1)[-1] if key.startswith("arn:") else key


def _buckets(*paths: str) -> Callable[[Json], List[Any]]:
    return _each(*paths, of=bucket_of)


def _keys(*paths: str) -> Callable[[Json], List[Any]]:
    return _each(*paths, of=key_of)


def _vpc(config: str) -> tuple:
    """Security groups and subnets of a VPC config at ``config``: the resource sits in them."""
    return (inside(SECURITY_GROUP, _each(f"{config}.SecurityGroupIds[]")), inside(SUBNET, _each(f"{config}.Subnets[]")))


def _by_user(*holders: str) -> tuple:
    """User profiles and domains of the user contexts at ``holders`` (who created, who last changed it)."""
    return (seen_by(USER_PROFILE, _each(*(f"{h}.UserProfileName" for h in holders))),
            seen_by(DOMAIN, _each(*(f"{h}.DomainId" for h in holders))))


def _experiment() -> tuple:
    return (seen_by(EXPERIMENT, "ExperimentConfig.ExperimentName"), seen_by(TRIAL, "ExperimentConfig.TrialName"))


def _with(path: str, **changed: Callable[[Any], Any]) -> Callable[[Json], Any]:
    """The value at ``path`` with some of its fields rewritten: where the reference keeps one field of each
    listed object (alarm names of alarm objects) or leaves one out."""
    def get(item: Json) -> Any:
        found = values(item, path)
        if not found or not isinstance(found[0], dict):
            return found[0] if found else None
        out = dict(found[0])
        for name, rewrite in changed.items():
            out[name] = rewrite(out.get(name))
        return out
    return get


def _names(field: str) -> Callable[[Any], Any]:
    return lambda listed: [i.get(field) for i in listed if isinstance(i, dict)] if isinstance(listed, list) else None


def _last_deployment(item: Json) -> Any:
    """The last deployment config, its rollback alarms by name."""
    config: Any = item.get("LastDeploymentConfig")
    rollback = config.get("AutoRollbackConfiguration") if isinstance(config, dict) else None
    if not isinstance(rollback, dict):
        return config
    return {**config, "AutoRollbackConfiguration": {**rollback, "Alarms": _names("AlarmName")(rollback.get("Alarms"))}}


def _candidate_steps(step_type: str) -> Callable[[Json], List[Any]]:
    def get(item: Json) -> List[Any]:
        return [s.get("CandidateStepArn") for s in values(item, "BestCandidate.CandidateSteps[]")
                if step_type in (s.get("CandidateStepType") or "") and s.get("CandidateStepArn")]
    return get


def _cognito_groups(item: Json) -> List[str]:
    """Cognito groups by their id (``<user pool>:<group>``): the reference looks them up by the bare group name,
    which is no group's id, and so never finds one."""
    members = values(item, "MemberDefinitions[].CognitoMemberDefinition")
    return [f"{m['UserPool']}:{m['UserGroup']}" for m in members if m.get("UserPool") and m.get("UserGroup")]


TRAINING_DEFINITIONS = ("TrainingJobDefinition", "TrainingJobDefinitions[]")


def _definitions(*paths: str, of: Callable[[Any], Any] = lambda v: v) -> Callable[[Json], List[Any]]:
    """Values at ``paths`` in each training job definition of a tuning job."""
    return _each(*(f"{d}.{p}" for d in TRAINING_DEFINITIONS for p in paths), of=of)


# ---- tags and delete -------------------------------------------------------------------------------

SAGEMAKER_TAGS = tagging("Tags", "add_tags", "delete_tags", by_arn("ResourceArn"))


def delete_notebook(sm: Client, reported: Json) -> None:
    """A notebook must be stopped to go: stopped first (AWS then takes minutes, and the delete fails until
    it is stopped; the next cleanup deletes it)."""
    if reported.get("notebook_instance_status") not in ("Stopped", "Failed"):
        sm.stop_notebook_instance(NotebookInstanceName=reported["name"])
    sm.delete_notebook_instance(NotebookInstanceName=reported["name"])


def delete_app(sm: Client, reported: Json) -> None:
    owner = {"UserProfileName": reported["app_user_profile_name"]} if reported.get("app_user_profile_name") else \
        {"SpaceName": reported.get("app_space_name")}
    sm.delete_app(DomainId=reported.get("app_domain_id"), AppType=reported.get("app_type"), AppName=reported["name"],
                  **owner)


CREATED = {"ctime": "CreationTime", "mtime": "LastModifiedTime"}
# the images of a domain's default apps
DOMAIN_IMAGES = tuple(f"{settings}.{app}.DefaultResourceSpec.SageMakerImageArn" for settings, app in (
    ("DefaultUserSettings", "JupyterServerAppSettings"), ("DefaultUserSettings", "KernelGatewayAppSettings"),
    ("DefaultUserSettings", "TensorBoardAppSettings"), ("DefaultUserSettings", "RSessionAppSettings"),
    ("DomainSettings", "RStudioServerProDomainSettings"), ("DefaultSpaceSettings", "JupyterServerAppSettings"),
    ("DefaultSpaceSettings", "KernelGatewayAppSettings")))
ROLE_ARN = inside(ROLE, "RoleArn")

OTHER_KINDS = [
    Kind(NOTEBOOK, "sagemaker", get_notebooks, id="NotebookInstanceName", arn="NotebookInstanceArn",
         prefix="notebook_",
         props={**CREATED, "notebook_instance_metadata_service_configuration":
                "InstanceMetadataServiceConfiguration.MinimumInstanceMetadataServiceVersion"},
         edges=(inside(SUBNET, "SubnetId"), inside(SECURITY_GROUP, "SecurityGroups[]"), ROLE_ARN,
                uses(KMS_KEY, _keys("KmsKeyId")), uses(NETWORK_INTERFACE, "NetworkInterfaceId"),
                seen_by(CODE_REPOSITORY, _each("DefaultCodeRepository", "AdditionalCodeRepositories[]"))),
         tags=SAGEMAKER_TAGS, delete=delete_notebook),
    Kind(ALGORITHM, "sagemaker", get_algorithms, id="AlgorithmName", arn="AlgorithmArn", prefix="algorithm_",
         props={"ctime": "CreationTime",
                "algorithm_validation_profiles": "ValidationSpecification.ValidationProfiles"},
         edges=(inside(ROLE, "ValidationSpecification.ValidationRole"),), tags=UNTAGGED,
         delete=call("delete_algorithm", AlgorithmName="name"), moto=False),
    Kind(MODEL, "sagemaker", get_models, id="ModelName", arn="ModelArn", prefix="model_",
         props={"ctime": "CreationTime", "model_inference_execution_config": "InferenceExecutionConfig.Mode"},
         edges=(points_at(BUCKET, _buckets("Containers[].ModelDataUrl", "PrimaryContainer.ModelDataUrl")),
                # the reference draws the role under the model, unlike every other kind's role
                holds(ROLE, "ExecutionRoleArn"), *_vpc("VpcConfig")),
         tags=SAGEMAKER_TAGS, delete=call("delete_model", ModelName="name")),
    # the reference's node key: the app's name and user profile instead of its ARN
    Kind(APP, "sagemaker", get_apps, id="AppName", arn="AppArn", prefix="app_",
         key=lambda item, reported: (reported["id"], reported.get("name"), item.get("UserProfileName")),
         props={"ctime": "CreationTime", "atime": "LastUserActivityTimestamp", "app_status": "Status"},
         edges=(seen_by(DOMAIN, "DomainId"), points_at(IMAGE, "ResourceSpec.SageMakerImageArn"),
                used_by(USER_PROFILE, "UserProfileName")),
         tags=UNTAGGED, delete=delete_app, moto=False),
    Kind(DOMAIN, "sagemaker", get_domains, id="DomainId", name_of="DomainName", arn="DomainArn", prefix="domain_",
         props=CREATED,
         edges=(inside(ROLE, _each("DefaultUserSettings.ExecutionRole", "DefaultSpaceSettings.ExecutionRole",
                                   "DefaultUserSettings.CanvasAppSettings.TimeSeriesForecastingSettings."
                                   "AmazonForecastRoleArn",
                                   "DomainSettings.RStudioServerProDomainSettings.DomainExecutionRoleArn")),
                inside(SECURITY_GROUP, _each("DefaultUserSettings.SecurityGroups[]",
                                             "DomainSettings.SecurityGroupIds[]",
                                             "DefaultSpaceSettings.SecurityGroups[]")),
                points_at(BUCKET, _buckets("DefaultUserSettings.SharingSettings.S3OutputPath")),
                points_at(IMAGE, _each(*DOMAIN_IMAGES)),
                seen_by(CODE_REPOSITORY, "CodeRepositoryNames[]"),
                uses(KMS_KEY, _keys("HomeEfsFileSystemKmsKeyId", "KmsKeyId")), inside(SUBNET, "SubnetIds[]"),
                inside(VPC, "VpcId")),
         tags=UNTAGGED, delete=call("delete_domain", DomainId="id")),
    Kind(EXPERIMENT, "sagemaker", get_experiments, id="ExperimentName", arn="ExperimentArn", prefix="experiment_",
         props={**CREATED, "experiment_display_name": "DisplayName"}, tags=UNTAGGED,
         delete=call("delete_experiment", ExperimentName="name")),
    Kind(TRIAL, "sagemaker", get_trials, id="TrialName", arn="TrialArn", prefix="trial_", props=CREATED,
         edges=(seen_by(EXPERIMENT, "ExperimentName"), *_by_user("CreatedBy", "LastModifiedBy"),
                seen_by(CODE_REPOSITORY, "MetadataProperties.Repository"),
                # the reference looks for the project only when the trial names a repository too
                seen_by(PROJECT, lambda item: values(item, "MetadataProperties.ProjectId")
                        if values(item, "MetadataProperties.Repository") else [])),
         tags=UNTAGGED, delete=call("delete_trial", TrialName="name")),
    Kind(PROJECT, "sagemaker", get_projects, id="ProjectId", name_of="ProjectName", arn="ProjectArn",
         prefix="project_", props={"ctime": "CreationTime"}, tags=UNTAGGED,
         delete=call("delete_project", ProjectName="name"), moto=False),
    Kind(CODE_REPOSITORY, "sagemaker", get_code_repositories, id="CodeRepositoryName", arn="CodeRepositoryArn",
         prefix="code_repository_",
         # the reference's git config leaves the URL out (it is in code_repository_url)
         props={**CREATED, "code_repository_url": "GitConfig.RepositoryUrl",
                "code_repository_git_config": _with("GitConfig", RepositoryUrl=lambda _: None)},
         tags=UNTAGGED, delete=call("delete_code_repository", CodeRepositoryName="name"), moto=False),
    Kind(ENDPOINT, "sagemaker", get_endpoints, id="EndpointName", arn="EndpointArn", prefix="endpoint_",
         props={**CREATED, "endpoint_last_deployment_config": _last_deployment},
         edges=(points_at(BUCKET, _buckets("DataCaptureConfig.DestinationS3Uri",
                                           "AsyncInferenceConfig.OutputConfig.S3OutputPath")),
                uses(KMS_KEY, _keys("DataCaptureConfig.KmsKeyId", "AsyncInferenceConfig.OutputConfig.KmsKeyId")),
                points_at(ALARM, "LastDeploymentConfig.AutoRollbackConfiguration.Alarms[].AlarmName"),
                points_at(TOPIC, _each("AsyncInferenceConfig.OutputConfig.NotificationConfig.SuccessTopic",
                                       "AsyncInferenceConfig.OutputConfig.NotificationConfig.ErrorTopic"))),
         tags=SAGEMAKER_TAGS, delete=call("delete_endpoint", EndpointName="name")),
    Kind(IMAGE, "sagemaker", get_images, id="ImageName", arn="ImageArn", prefix="image_", props=CREATED,
         edges=(ROLE_ARN,), tags=UNTAGGED, delete=call("delete_image", ImageName="name"), moto=False),
    Kind(ARTIFACT, "sagemaker", get_artifacts, id="ArtifactArn", name_of="ArtifactName", arn="ArtifactArn",
         prefix="artifact_", props=CREATED,
         edges=(*_by_user("CreatedBy", "LastModifiedBy"), seen_by(CODE_REPOSITORY, "MetadataProperties.Repository"),
                seen_by(PROJECT, "MetadataProperties.ProjectId")),
         tags=UNTAGGED, delete=call("delete_artifact", ArtifactArn="arn"), moto=False),
    # no ARN in the listing: the reference's template gives it
    Kind(USER_PROFILE, "sagemaker", get_user_profiles, id="UserProfileName", prefix="user_profile_", props=CREATED,
         edges=(used_by(DOMAIN, "DomainId"),), tags=UNTAGGED,
         delete=call("delete_user_profile", DomainId="user_profile_domain_id", UserProfileName="name"), moto=False),
    Kind(PIPELINE, "sagemaker", get_pipelines, id="PipelineName", arn="PipelineArn", prefix="pipeline_",
         props={**CREATED, "atime": "LastRunTime",
                "pipeline_parallelism_configuration": "ParallelismConfiguration.MaxParallelExecutionSteps"},
         edges=(ROLE_ARN, *_by_user("CreatedBy", "LastModifiedBy")), tags=UNTAGGED,
         delete=call("delete_pipeline", PipelineName="name")),
    Kind(WORKTEAM, "sagemaker", get_workteams, id="WorkteamName", arn="WorkteamArn", prefix="workteam_",
         props={"ctime": "CreateDate", "mtime": "LastUpdatedDate",
                "workteam_notification_configuration": "NotificationConfiguration.NotificationTopicArn"},
         edges=(points_at(USER_POOL, "MemberDefinitions[].CognitoMemberDefinition.UserPool"),
                points_at(COGNITO_GROUP, _cognito_groups),
                points_at(TOPIC, "NotificationConfiguration.NotificationTopicArn")),
         tags=SAGEMAKER_TAGS, delete=call("delete_workteam", WorkteamName="name"), moto=False),
]

# the reference neither deletes jobs nor (but for the four with ListTags) tags them
JOB_KINDS = [
    Kind(AUTO_ML_JOB, "sagemaker", get_auto_ml_jobs, id="AutoMLJobName", arn="AutoMLJobArn", prefix="auto_ml_job_",
         props={**CREATED, "auto_ml_job_objective": "AutoMLJobObjective.MetricName",
                "auto_ml_job_partial_failure_reasons": "PartialFailureReasons[].PartialFailureMessage",
                "auto_ml_job_model_deploy_result": "ModelDeployResult.EndpointName"},
         edges=(points_at(BUCKET, _buckets("InputDataConfig[].DataSource.S3DataSource.S3Uri",
                                           "OutputDataConfig.S3OutputPath",
                                           "AutoMLJobConfig.CandidateGenerationConfig.FeatureSpecificationS3Uri")),
                uses(KMS_KEY, _keys("OutputDataConfig.KmsKeyId", "AutoMLJobConfig.SecurityConfig.VolumeKmsKeyId")),
                ROLE_ARN, *_vpc("AutoMLJobConfig.SecurityConfig.VpcConfig"),
                points_at(TRAINING_JOB, _candidate_steps("TrainingJob")),
                points_at(TRANSFORM_JOB, _candidate_steps("TransformJob")),
                points_at(PROCESSING_JOB, _candidate_steps("ProcessingJob"))),
         tags=UNTAGGED, moto=False),  # moto lists AutoML jobs but cannot describe them
    Kind(COMPILATION_JOB, "sagemaker", get_compilation_jobs, id="CompilationJobName", arn="CompilationJobArn",
         prefix="compilation_job_",
         props={**CREATED, "compilation_job_start_time": "CompilationStartTime",
                "compilation_job_end_time": "CompilationEndTime",
                "compilation_job_model_artifacts": "ModelArtifacts.S3ModelArtifacts",
                "compilation_job_model_digests": "ModelDigests.ArtifactDigest"},
         edges=(points_at(BUCKET, _buckets("ModelArtifacts.S3ModelArtifacts", "InputConfig.S3Uri",
                                           "OutputConfig.S3OutputLocation")),
                ROLE_ARN, uses(KMS_KEY, _keys("OutputConfig.KmsKeyId")), *_vpc("VpcConfig")),
         tags=UNTAGGED),
    Kind(EDGE_PACKAGING_JOB, "sagemaker", get_edge_packaging_jobs, id="EdgePackagingJobName",
         arn="EdgePackagingJobArn", prefix="edge_packaging_job_", props=CREATED,
         edges=(seen_by(MODEL, "ModelName"), ROLE_ARN,
                points_at(BUCKET, _buckets("OutputConfig.S3OutputLocation", "ModelArtifact")),
                uses(KMS_KEY, _keys("OutputConfig.KmsKeyId", "ResourceKey"))),
         tags=UNTAGGED, moto=False),
    Kind(TUNING_JOB, "sagemaker", get_tuning_jobs, id="HyperParameterTuningJobName",
         arn="HyperParameterTuningJobArn", prefix="hyper_parameter_tuning_job_",
         props={**CREATED, "hyper_parameter_tuning_job_warm_start_config": _with(
             "WarmStartConfig", ParentHyperParameterTuningJobs=_names("HyperParameterTuningJobName"))},
         edges=(inside(ROLE, _definitions("RoleArn")),
                points_at(BUCKET, _definitions("InputDataConfig[].DataSource.S3DataSource.S3Uri",
                                               "OutputDataConfig.S3OutputPath", "CheckpointConfig.S3Uri",
                                               of=bucket_of)),
                inside(SECURITY_GROUP, _definitions("VpcConfig.SecurityGroupIds[]")),
                inside(SUBNET, _definitions("VpcConfig.Subnets[]")),
                uses(KMS_KEY, _definitions("OutputDataConfig.KmsKeyId", "ResourceConfig.VolumeKmsKeyId",
                                           "HyperParameterTuningResourceConfig.VolumeKmsKeyId", of=key_of)),
                points_at(TRAINING_JOB, _each("BestTrainingJob.TrainingJobArn",
                                              "OverallBestTrainingJob.TrainingJobArn"))),
         tags=SAGEMAKER_TAGS),
    Kind(RECOMMENDATIONS_JOB, "sagemaker", get_recommendations_jobs, id="JobName", arn="JobArn",
         prefix="inference_recommendations_job_",
         props={**CREATED, "inference_recommendations_job_description": "JobDescription",
                "inference_recommendations_job_type": "JobType",
                "inference_recommendations_job_input_config": _with("InputConfig", Endpoints=_names("EndpointName"))},
         edges=(ROLE_ARN, uses(KMS_KEY, _keys("InputConfig.VolumeKmsKeyId")),
                points_at(BUCKET, _buckets("InputConfig.ContainerConfig.PayloadConfig.SamplePayloadUrl")),
                *_vpc("InputConfig.VpcConfig"),
                points_at(ENDPOINT, _each("InferenceRecommendations[].EndpointConfiguration.EndpointName",
                                          "EndpointPerformances[].EndpointInfo.EndpointName"))),
         tags=UNTAGGED, moto=False),
    Kind(LABELING_JOB, "sagemaker", get_labeling_jobs, id="LabelingJobName", arn="LabelingJobArn",
         prefix="labeling_job_", props=CREATED,
         edges=(points_at(BUCKET, _buckets("InputConfig.DataSource.S3DataSource.ManifestS3Uri",
                                           "OutputConfig.S3OutputPath", "LabelCategoryConfigS3Uri",
                                           "HumanTaskConfig.UiConfig.UiTemplateS3Uri",
                                           "LabelingJobOutput.OutputDatasetS3Uri")),
                points_at(TOPIC, _each("InputConfig.DataSource.SnsDataSource.SnsTopicArn", "OutputConfig.SnsTopicArn")),
                uses(KMS_KEY, _keys("OutputConfig.KmsKeyId",
                                    "LabelingJobAlgorithmsConfig.LabelingJobResourceConfig.VolumeKmsKeyId")),
                ROLE_ARN, seen_by(MODEL, "LabelingJobAlgorithmsConfig.InitialActiveLearningModelArn"),
                *_vpc("LabelingJobAlgorithmsConfig.LabelingJobResourceConfig.VpcConfig"),
                seen_by(WORKTEAM, "HumanTaskConfig.WorkteamArn"),
                points_at(FUNCTION, "HumanTaskConfig.PreHumanTaskLambdaArn")),
         tags=SAGEMAKER_TAGS, moto=False),
    Kind(PROCESSING_JOB, "sagemaker", get_processing_jobs, id="ProcessingJobName", arn="ProcessingJobArn",
         prefix="processing_job_",
         props={**CREATED, "processing_job_stopping_condition": "StoppingCondition.MaxRuntimeInSeconds",
                "processing_job_trial_component_display_name": "ExperimentConfig.TrialComponentDisplayName"},
         edges=(points_at(BUCKET, _buckets(
             "ProcessingInputs[].S3Input.S3Uri",
             "ProcessingInputs[].DatasetDefinition.AthenaDatasetDefinition.OutputS3Uri",
             "ProcessingInputs[].DatasetDefinition.RedshiftDatasetDefinition.OutputS3Uri",
             "ProcessingOutputConfig.Outputs[].S3Output.S3Uri")),
                seen_by(DATA_CATALOG, "ProcessingInputs[].DatasetDefinition.AthenaDatasetDefinition.Catalog"),
                seen_by(WORK_GROUP, "ProcessingInputs[].DatasetDefinition.AthenaDatasetDefinition.WorkGroup"),
                seen_by(REDSHIFT_CLUSTER, "ProcessingInputs[].DatasetDefinition.RedshiftDatasetDefinition.ClusterId"),
                uses(KMS_KEY, _keys("ProcessingInputs[].DatasetDefinition.AthenaDatasetDefinition.KmsKeyId",
                                    "ProcessingInputs[].DatasetDefinition.RedshiftDatasetDefinition.KmsKeyId",
                                    "ProcessingOutputConfig.KmsKeyId",
                                    "ProcessingResources.ClusterConfig.VolumeKmsKeyId")),
                inside(ROLE, _each("ProcessingInputs[].DatasetDefinition.RedshiftDatasetDefinition.ClusterRoleArn",
                                   "RoleArn")),
                *_vpc("NetworkConfig.VpcConfig"), *_experiment(), points_at(TRAINING_JOB, "TrainingJobArn")),
         tags=UNTAGGED),
    Kind(TRAINING_JOB, "sagemaker", get_training_jobs, id="TrainingJobName", arn="TrainingJobArn",
         prefix="training_job_",
         props={**CREATED, "training_job_model_artifacts": "ModelArtifacts.S3ModelArtifacts",
                "training_job_trial_component_display_name": "ExperimentConfig.TrialComponentDisplayName",
                "training_job_retry_strategy": "RetryStrategy.MaximumRetryAttempts"},
         edges=(seen_by(LABELING_JOB, "LabelingJobArn"),
                points_at(BUCKET, _buckets("ModelArtifacts.S3ModelArtifacts",
                                           "InputDataConfig[].DataSource.S3DataSource.S3Uri",
                                           "OutputDataConfig.S3OutputPath", "CheckpointConfig.S3Uri",
                                           "DebugHookConfig.S3OutputPath", "DebugRuleConfigurations[].S3OutputPath",
                                           "TensorBoardOutputConfig.S3OutputPath", "ProfilerConfig.S3OutputPath",
                                           "ProfilerRuleConfigurations[].S3OutputPath")),
                points_at(ALGORITHM, "AlgorithmSpecification.AlgorithmName"), ROLE_ARN,
                uses(KMS_KEY, _keys("OutputDataConfig.KmsKeyId", "ResourceConfig.VolumeKmsKeyId")),
                *_vpc("VpcConfig"), *_experiment()),
         tags=SAGEMAKER_TAGS),
    Kind(TRANSFORM_JOB, "sagemaker", get_transform_jobs, id="TransformJobName", arn="TransformJobArn",
         prefix="transform_job_",
         props={"ctime": "CreationTime",
                "transform_job_trial_component_display_name": "ExperimentConfig.TrialComponentDisplayName"},
         edges=(seen_by(MODEL, "ModelName"),
                points_at(BUCKET, _buckets("TransformInput.DataSource.S3DataSource.S3Uri",
                                           "TransformOutput.S3OutputPath", "DataCaptureConfig.DestinationS3Uri")),
                uses(KMS_KEY, _keys("TransformOutput.KmsKeyId", "DataCaptureConfig.KmsKeyId",
                                    "TransformResources.VolumeKmsKeyId")),
                seen_by(LABELING_JOB, "LabelingJobArn"), *_experiment()),
         tags=SAGEMAKER_TAGS),
]

# jobs first, those with two calls per job ahead: their lists are the long ones, each job a describe (and a
# ListTags) call; started first they do not wait behind the other SageMaker fetches for a slot
# (resource_pool_tasks_per_service). docs/benchmarks.md has the figures.
FIRST = (TRAINING_JOB, TRANSFORM_JOB, TUNING_JOB)
KINDS = [k for k in JOB_KINDS if k.name in FIRST] + [k for k in JOB_KINDS if k.name not in FIRST] + OTHER_KINDS
