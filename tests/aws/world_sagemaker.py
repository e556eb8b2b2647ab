"""The moto world's SageMaker resources of the kinds moto serves: a notebook, a model with an endpoint, a Studio
domain, an experiment with a trial, a pipeline, and a compilation, tuning, processing, training and transform
job, in every account and region, beside what ``world.py`` makes there. The other SageMaker kinds (moto lists or
describes none of them) come from recorded answers (``recorded/sagemaker``, ``test_kinds_sagemaker.py``).

Each is tagged ``owner=ops`` where SageMaker takes tags, as the recorded ListTags answers."""
from __future__ import annotations

import json

import boto3

from .world import AccountEstate, RegionEstate

OWNER = [{"Key": "owner", "Value": "ops"}]
IMAGE = "382416733822.dkr.ecr.us-east-1.amazonaws.com/xgboost:1"
NOTEBOOK = "analysis"
MODEL = "churn-model"
ENDPOINT_CONFIG = "churn-config"
ENDPOINT = "churn-live"
DOMAIN = "studio"
EXPERIMENT = "churn-exp"
TRIAL = "churn-trial"
PIPELINE = "churn-pipeline"
COMPILATION_JOB = "churn-neo"
TUNING_JOB = "churn-tuning"
PROCESSING_JOB = "churn-prep"
TRAINING_JOB = "churn-train"
TRANSFORM_JOB = "churn-batch"
KINDS = {"aws_sagemaker_notebook": NOTEBOOK, "aws_sagemaker_model": MODEL, "aws_sagemaker_endpoint": ENDPOINT,
         "aws_sagemaker_experiment": EXPERIMENT, "aws_sagemaker_trial": TRIAL, "aws_sagemaker_pipeline": PIPELINE,
         "aws_sagemaker_compilation_job": COMPILATION_JOB, "aws_sagemaker_hyper_parameter_tuning_job": TUNING_JOB,
         "aws_sagemaker_processing_job": PROCESSING_JOB, "aws_sagemaker_training_job": TRAINING_JOB,
         "aws_sagemaker_transform_job": TRANSFORM_JOB}


def _role_arn(estate: AccountEstate) -> str:
    return f"arn:aws:iam::{estate.account_id}:role/{estate.roles[0]}"


def populate_region(session: boto3.Session, endpoint: str, region: str, estate: AccountEstate,
                    here: RegionEstate) -> None:
    sm = session.client("sagemaker", region_name=region, endpoint_url=endpoint)
    role, bucket = _role_arn(estate), estate.buckets[0]
    vpc_config = {"SecurityGroupIds": [here.security_group], "Subnets": [here.subnets[0]]}
    sm.create_notebook_instance(NotebookInstanceName=NOTEBOOK, InstanceType="ml.t3.medium", RoleArn=role,
                                SubnetId=here.subnets[0], SecurityGroupIds=[here.security_group], KmsKeyId=here.key_id,
                                VolumeSizeInGB=5, Tags=OWNER)
    sm.create_model(ModelName=MODEL, ExecutionRoleArn=role, VpcConfig=vpc_config, Tags=OWNER,
                    PrimaryContainer={"Image": IMAGE, "ModelDataUrl": f"s3://{bucket}/model.tar.gz"})
    sm.create_endpoint_config(EndpointConfigName=ENDPOINT_CONFIG, ProductionVariants=[
        {"VariantName": "main", "ModelName": MODEL, "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}])
    sm.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName=ENDPOINT_CONFIG, Tags=OWNER)
    domain = sm.create_domain(DomainName=DOMAIN, AuthMode="IAM", DefaultUserSettings={"ExecutionRole": role},
                              SubnetIds=[here.subnets[0]], VpcId=here.vpc, KmsKeyId=here.key_id)["DomainArn"]
    sm.create_experiment(ExperimentName=EXPERIMENT, DisplayName="Churn", Tags=OWNER)
    sm.create_trial(TrialName=TRIAL, ExperimentName=EXPERIMENT, Tags=OWNER)
    sm.create_pipeline(PipelineName=PIPELINE, RoleArn=role, PipelineDisplayName="Churn",
                       PipelineDefinition=json.dumps({"Version": "2020-12-01", "Steps": []}), Tags=OWNER)
    sm.create_compilation_job(
        CompilationJobName=COMPILATION_JOB, RoleArn=role, StoppingCondition={"MaxRuntimeInSeconds": 900},
        InputConfig={"S3Uri": f"s3://{bucket}/model.tar.gz", "DataInputConfig": '{"input": [1, 3]}',
                     "Framework": "XGBOOST"},
        OutputConfig={"S3OutputLocation": f"s3://{bucket}/compiled", "TargetDevice": "ml_c5"})
    training = {"AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"}, "RoleArn": role,
                "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {
                    "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/train"}}}],
                "OutputDataConfig": {"S3OutputPath": f"s3://{bucket}/out", "KmsKeyId": here.key_id},
                "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
                "StoppingCondition": {"MaxRuntimeInSeconds": 3600}, "VpcConfig": vpc_config}
    sm.create_training_job(TrainingJobName=TRAINING_JOB, Tags=OWNER,
                           ExperimentConfig={"ExperimentName": EXPERIMENT, "TrialName": TRIAL}, **training)
    sm.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=TUNING_JOB, Tags=OWNER,
        HyperParameterTuningJobConfig={"Strategy": "Bayesian", "ResourceLimits": {
            "MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 1}},
        TrainingJobDefinition={k: v for k, v in training.items() if k != "AlgorithmSpecification"} | {
            "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"}})
    sm.create_processing_job(
        ProcessingJobName=PROCESSING_JOB, RoleArn=role, Tags=OWNER,
        AppSpecification={"ImageUri": IMAGE},
        ProcessingResources={"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large",
                                               "VolumeSizeInGB": 10}},
        ProcessingInputs=[{"InputName": "raw", "S3Input": {"S3Uri": f"s3://{bucket}/raw", "LocalPath": "/opt/in",
                                                           "S3DataType": "S3Prefix", "S3InputMode": "File"}}],
        ProcessingOutputConfig={"Outputs": [{"OutputName": "clean", "S3Output": {
            "S3Uri": f"s3://{bucket}/clean", "LocalPath": "/opt/out", "S3UploadMode": "EndOfJob"}}]},
        StoppingCondition={"MaxRuntimeInSeconds": 600}, NetworkConfig={"VpcConfig": vpc_config},
        ExperimentConfig={"ExperimentName": EXPERIMENT})
    sm.create_transform_job(
        TransformJobName=TRANSFORM_JOB, ModelName=MODEL, Tags=OWNER,
        TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/batch"}}},
        TransformOutput={"S3OutputPath": f"s3://{bucket}/scored", "KmsKeyId": here.key_id},
        TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1})
    here.more.update({kind: [name] for kind, name in KINDS.items()})
    here.more["aws_sagemaker_domain"] = [domain.rsplit("/", 1)[-1]]
