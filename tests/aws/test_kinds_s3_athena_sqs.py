"""S3 buckets and account settings, Athena work groups and SQS queues: what their ``get`` asks and how
it treats answers that mean "not configured", which fixtures cannot show."""
from __future__ import annotations

import threading
import time

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from collectors.aws.clients import new_client
from collectors.aws.config import AwsConfig
from collectors.aws.resources.athena import get_work_groups
from collectors.aws.resources.s3 import BUCKET_DETAILS, get_account_settings, get_buckets
from collectors.aws.resources.sqs import epoch_seconds


def client_error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, operation)


class FakeS3:
    """Buckets ``a`` and ``b``: ``a`` has tags and nothing else, ``b`` vanished after the list. Detail calls
    take a while and count how many run at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = self.most = 0
        self.calls = []

    def list_buckets(self):
        return {"Buckets": [{"Name": "a"}, {"Name": "b"}]}

    def __getattr__(self, operation):
        not_configured = {"get_bucket_encryption": "ServerSideEncryptionConfigurationNotFoundError",
                          "get_bucket_policy": "NoSuchBucketPolicy",
                          "get_public_access_block": "NoSuchPublicAccessBlockConfiguration"}

        def call(Bucket):
            with self.lock:
                self.calls.append((operation, Bucket))
                self.running += 1
                self.most = max(self.most, self.running)
            time.sleep(0.02)
            with self.lock:
                self.running -= 1
            if Bucket == "b":
                raise client_error("NoSuchBucket", operation)
            if operation in not_configured:
                raise client_error(not_configured[operation], operation)
            if operation == "get_bucket_tagging":
                return {"TagSet": [{"Key": "k", "Value": "v"}]}
            return {}
        return call


def test_bucket_details_run_concurrently_and_not_configured_is_none():
    s3 = FakeS3()
    buckets = get_buckets(s3)
    assert sorted(s3.calls) == sorted((op, b) for b in "ab" for op, _ in BUCKET_DETAILS.values())
    assert 1 < s3.most <= 10
    a, b = buckets
    assert a["Tagging"] == {"TagSet": [{"Key": "k", "Value": "v"}]}
    assert a["Encryption"] is None and a["Policy"] is None and a["PublicAccessBlock"] is None
    assert a["Versioning"] == {} and a["Acl"] == {} and a["Logging"] == {}
    assert all(b[field] is None for field in BUCKET_DETAILS)


def test_bucket_detail_failure_fails_the_get():
    s3 = FakeS3()
    s3.get_bucket_acl = lambda Bucket: (_ for _ in ()).throw(client_error("AccessDenied", "GetBucketAcl"))
    with pytest.raises(ClientError):
        get_buckets(s3)


def s3control_answering(body: bytes, status: int = 200):
    """A real s3control client, made as the collector makes its clients, whose requests are answered here; the
    URLs it sent are recorded."""
    session = boto3.Session(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    client = new_client(session, "s3control", "us-east-1", AwsConfig.from_section({}))
    sent = []

    def answer(request, **_):
        sent.append(request.url)
        return AWSResponse(request.url, status, {}, _Raw(body))
    client.meta.events.register_last("before-send.s3-control.*", answer)
    return client, sent


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_):
        yield self.body


PAB = (b'<?xml version="1.0" encoding="UTF-8"?><PublicAccessBlockConfiguration>'
       b'<BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls>'
       b'<BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>false</RestrictPublicBuckets>'
       b'</PublicAccessBlockConfiguration>')
NO_PAB = (b'<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Error><Code>NoSuchPublicAccessBlockConfiguration'
          b'</Code><Message>none</Message></Error></ErrorResponse>')


def test_account_settings_with_an_endpoint_override_call_it_without_the_account_host(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5999")
    client, sent = s3control_answering(PAB)
    [item] = get_account_settings(client, account={"id": "111122223333", "name": "prod"})
    assert sent == ["http://127.0.0.1:5999/v20180820/configuration/publicAccessBlock"]
    assert item == {"AccountId": "111122223333", "Name": "prod", "PublicAccessBlockConfiguration": {
        "BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True, "RestrictPublicBuckets": False}}


def test_account_settings_without_override_and_without_block(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    client, sent = s3control_answering(NO_PAB, status=404)
    [item] = get_account_settings(client, account={"id": "111122223333", "name": ""})
    assert sent == ["https://111122223333.s3-control.us-east-1.amazonaws.com/v20180820/configuration/publicAccessBlock"]
    assert item["Name"] == "111122223333"
    assert set(item["PublicAccessBlockConfiguration"].values()) == {False}


class FakeAthena:
    meta = type("Meta", (), {"partition": "aws", "region_name": "eu-west-1"})()

    def __init__(self) -> None:
        self.tags_asked = []

    def list_work_groups(self, NextToken=None):
        if NextToken is None:
            return {"WorkGroups": [{"Name": "primary"}], "NextToken": "t"}
        return {"WorkGroups": [{"Name": "bi"}]}

    def get_work_group(self, WorkGroup):
        return {"WorkGroup": {"Name": WorkGroup, "State": "ENABLED"}}

    def get_paginator(self, operation):
        assert operation == "list_tags_for_resource"
        fake = self

        class Paginator:
            def paginate(self, ResourceARN):
                fake.tags_asked.append(ResourceARN)
                if ResourceARN.endswith("/primary"):
                    raise client_error("InvalidRequestException", "ListTagsForResource")
                return [{"Tags": [{"Key": "team", "Value": "bi"}]}]
        return Paginator()


def test_work_groups_all_pages_and_untagged_groups():
    athena = FakeAthena()
    groups = get_work_groups(athena, account={"id": "111122223333"})
    assert [(g["Name"], g["Tags"]) for g in groups] == [("primary", []), ("bi", [{"Key": "team", "Value": "bi"}])]
    assert sorted(athena.tags_asked) == ["arn:aws:athena:eu-west-1:111122223333:workgroup/bi",
                                         "arn:aws:athena:eu-west-1:111122223333:workgroup/primary"]


def test_queue_times_are_whole_epoch_seconds_only():
    ctime = epoch_seconds("CreatedTimestamp")
    assert ctime({"CreatedTimestamp": "1700000000"}) == 1700000000
    assert ctime({"CreatedTimestamp": "1700000000.25"}) is None  # moto's; the reference drops it too
    assert ctime({}) is None
