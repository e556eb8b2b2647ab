"""What the ``get`` functions of the ELBv2, RDS, Lambda, KMS and DynamoDB kinds do around their detail calls,
which a fixture (one API item) cannot show: batching, settings that are not configured, resources gone
between the list and the detail call, and joins across items."""
from __future__ import annotations

import json
import threading
from typing import Any, Callable, Dict, List

import pytest
from botocore.exceptions import ClientError

from collectors.aws.resources import awslambda, dynamodb, elbv2, kms, rds


def error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "Operation")


class FakeClient:
    """Answers each operation with ``answers[operation](**params)``; paginators give one page. Records calls."""

    def __init__(self, **answers: Callable[..., Any]) -> None:
        self.answers = answers
        self.calls: List[tuple] = []
        self._lock = threading.Lock()

    def _call(self, operation: str, **params: Any) -> Any:
        with self._lock:
            self.calls.append((operation, params))
        return self.answers[operation](**params)

    def __getattr__(self, operation: str) -> Callable[..., Any]:
        if operation.startswith("_") or operation not in self.answers:
            raise AttributeError(operation)
        return lambda **params: self._call(operation, **params)

    def get_paginator(self, operation: str) -> Any:
        client = self

        class Paginator:
            def paginate(self, **params: Any) -> List[Any]:
                return [client._call(operation, **params)]
        return Paginator()

    def called(self, operation: str) -> List[Dict[str, Any]]:
        return [params for op, params in self.calls if op == operation]


def lb_arn(n: int) -> str:
    return f"arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/lb{n}/x"


def elb_client(balancers: int, gone: frozenset = frozenset(), groups: List[dict] = ()) -> FakeClient:
    def describe_tags(ResourceArns):
        if gone & set(ResourceArns):
            raise error("LoadBalancerNotFound")
        return {"TagDescriptions": [{"ResourceArn": a, "Tags": [{"Key": "n", "Value": a[-4:]}]} for a in ResourceArns]}

    def describe_listeners(LoadBalancerArn):
        if LoadBalancerArn in gone:
            raise error("LoadBalancerNotFound")
        return {"Listeners": [{"ListenerArn": LoadBalancerArn + "/l", "Port": 80}]}

    return FakeClient(
        describe_load_balancers=lambda: {"LoadBalancers": [{"LoadBalancerArn": lb_arn(n), "LoadBalancerName": f"lb{n}"}
                                                           for n in range(balancers)]},
        describe_target_groups=lambda: {"TargetGroups": [dict(g) for g in groups]},
        describe_listeners=describe_listeners,
        describe_target_health=lambda TargetGroupArn: {"TargetHealthDescriptions": [
            {"Target": {"Id": target}} for target in next(g for g in groups if g["TargetGroupArn"] == TargetGroupArn)
            ["targets"]]},
        describe_tags=describe_tags)


def test_load_balancer_tags_are_asked_for_20_arns_at_a_time():
    client = elb_client(25)
    result = elbv2.get_load_balancers(client)
    assert [len(p["ResourceArns"]) for p in client.called("describe_tags")] == [20, 5]
    assert all(lb["Tags"] == [{"Key": "n", "Value": lb["LoadBalancerArn"][-4:]}] for lb in result["LoadBalancers"])
    assert all(lb["Listeners"] == [{"ListenerArn": lb["LoadBalancerArn"] + "/l", "Port": 80}]
               for lb in result["LoadBalancers"])


def test_a_load_balancer_gone_since_the_list_costs_only_its_own_details():
    client = elb_client(3, gone=frozenset({lb_arn(1)}))
    result = elbv2.get_load_balancers(client)
    by_name = {lb["LoadBalancerName"]: lb for lb in result["LoadBalancers"]}
    assert by_name["lb1"]["Tags"] == [] and by_name["lb1"]["Listeners"] == []
    assert by_name["lb0"]["Tags"] and by_name["lb2"]["Tags"] and by_name["lb2"]["Listeners"]
    assert [len(p["ResourceArns"]) for p in client.called("describe_tags")] == [3, 1, 1, 1]  # the batch, then one each


def test_backends_are_the_targets_of_the_groups_a_balancer_uses_in_group_order():
    groups = [{"TargetGroupArn": "tg-a", "LoadBalancerArns": [lb_arn(0)], "targets": ["i-2", "10.0.0.9"]},
              {"TargetGroupArn": "tg-b", "LoadBalancerArns": [lb_arn(0), lb_arn(1)], "targets": ["i-1"]},
              {"TargetGroupArn": "tg-unused", "LoadBalancerArns": [], "targets": ["i-3"]}]
    result = elbv2.get_load_balancers(elb_client(3, groups=groups))
    backends = {lb["LoadBalancerName"]: lb["Backends"] for lb in elbv2.balancers_with_backends(result)}
    assert backends == {"lb0": ["i-2", "10.0.0.9", "i-1"], "lb1": ["i-1"], "lb2": []}
    assert "Backends" not in result["LoadBalancers"][0]  # the fetch's result is shared by both kinds: left as it is
    unused = next(g for g in result["TargetGroups"] if g["TargetGroupArn"] == "tg-unused")
    assert elbv2._targets(unused) == []  # as the reference: targets count once a load balancer uses the group


def lambda_client(configured: set) -> FakeClient:
    def only(name: str, answer: Any) -> Callable[..., Any]:
        def call(**params: Any) -> Any:
            if name not in configured:
                raise error("ResourceNotFoundException")
            return answer
        return call
    return FakeClient(
        list_functions=lambda: {"Functions": [{"FunctionName": "f", "FunctionArn": "arn:f"}]},
        list_tags=only("tags", {"Tags": {"owner": "ops"}}),
        get_policy=only("policy", {"Policy": '{"Statement": []}', "RevisionId": "r"}),
        get_function_url_config=only("url", {"FunctionUrl": "https://u", "AuthType": "NONE",
                                             "ResponseMetadata": {"HTTPStatusCode": 200}}))


def test_a_function_without_policy_or_url_has_neither():
    [function] = awslambda.get_functions(lambda_client({"tags"}))
    assert function["Tags"] == {"owner": "ops"} and function["Policy"] is None and function["UrlConfig"] is None


def test_a_function_with_policy_and_url_carries_both():
    [function] = awslambda.get_functions(lambda_client({"tags", "policy", "url"}))
    assert function["Policy"] == '{"Statement": []}'
    assert function["UrlConfig"] == {"FunctionUrl": "https://u", "AuthType": "NONE"}


def test_other_lambda_errors_fail_the_fetch():
    client = lambda_client({"tags", "url"})
    client.answers["get_policy"] = lambda **_: (_ for _ in ()).throw(error("ServiceException"))
    with pytest.raises(ClientError):
        awslambda.get_functions(client)


def test_only_api_gateway_statements_name_rest_apis():
    policy = {"Statement": [
        {"Principal": {"Service": "apigateway.amazonaws.com"},
         "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:eu-west-1:1:api1/*/GET/x"}}},
        {"Principal": {"Service": "s3.amazonaws.com"},
         "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket"}}},
        {"Principal": "*"}]}
    assert awslambda.invoking_rest_apis({"Policy": json.dumps(policy)}) == ["api1"]
    assert awslambda.invoking_rest_apis({"Policy": None}) == []


def kms_client(keys: Dict[str, dict]) -> FakeClient:
    def describe_key(KeyId):
        if keys[KeyId] is None:
            raise error("NotFoundException")
        return {"KeyMetadata": {"KeyId": KeyId, **keys[KeyId]}}

    def rotation(KeyId):
        if keys[KeyId].get("KeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
            raise error("UnsupportedOperationException")
        return {"KeyRotationEnabled": True}
    return FakeClient(
        list_keys=lambda: {"Keys": [{"KeyId": k} for k in keys]}, describe_key=describe_key,
        list_resource_tags=lambda KeyId: {"Tags": [{"TagKey": "k", "TagValue": KeyId}]},
        get_key_policy=lambda KeyId, PolicyName: {"Policy": '{"Version": "2012-10-17"}'},
        get_key_rotation_status=rotation)


def test_rotation_is_asked_for_enabled_customer_keys_only_and_gone_keys_are_dropped():
    client = kms_client({"mine": {"KeyManager": "CUSTOMER", "KeyState": "Enabled"},
                         "asym": {"KeyManager": "CUSTOMER", "KeyState": "Enabled", "KeySpec": "RSA_2048"},
                         "off": {"KeyManager": "CUSTOMER", "KeyState": "Disabled"},
                         "aws": {"KeyManager": "AWS", "KeyState": "Enabled"},
                         "gone": None})
    keys = {k["KeyId"]: k for k in kms.get_keys(client)}
    assert set(keys) == {"mine", "asym", "off", "aws"}
    assert sorted(p["KeyId"] for p in client.called("get_key_rotation_status")) == ["asym", "mine"]
    assert keys["mine"]["KeyRotationEnabled"] is True and keys["asym"]["KeyRotationEnabled"] is None
    assert "KeyRotationEnabled" not in keys["aws"]
    assert all(k["Tags"] == [{"TagKey": "k", "TagValue": k["KeyId"]}] for k in keys.values())
    assert all(k["KeyPolicy"] == '{"Version": "2012-10-17"}' for k in keys.values())


def test_a_key_pending_deletion_is_not_scheduled_again():
    client = FakeClient(schedule_key_deletion=lambda **params: {})
    kms.schedule_key_deletion(client, {"id": "k1", "access_key_status": "PendingDeletion"})
    kms.schedule_key_deletion(client, {"id": "k2", "access_key_status": "Enabled"})
    assert client.called("schedule_key_deletion") == [{"KeyId": "k2", "PendingWindowInDays": 7}]


def test_snapshot_attributes_are_a_detail_a_gone_snapshot_does_without():
    def attributes(DBSnapshotIdentifier):
        if DBSnapshotIdentifier == "gone":
            raise error("DBSnapshotNotFound")
        return {"DBSnapshotAttributesResult": {"DBSnapshotAttributes": [
            {"AttributeName": "restore", "AttributeValues": []}]}}
    client = FakeClient(describe_db_snapshots=lambda: {"DBSnapshots": [{"DBSnapshotIdentifier": "s1"},
                                                                       {"DBSnapshotIdentifier": "gone"}]},
                        describe_db_snapshot_attributes=attributes)
    snapshots = {s["DBSnapshotIdentifier"]: s for s in rds.get_db_snapshots(client)}
    assert snapshots["s1"]["Attributes"] == [{"AttributeName": "restore", "AttributeValues": []}]
    assert snapshots["gone"]["Attributes"] is None


def test_tables_gone_since_the_list_are_left_out_and_tags_are_paged():
    def describe_table(TableName):
        if TableName == "gone":
            raise error("ResourceNotFoundException")
        return {"Table": {"TableName": TableName, "TableArn": f"arn:{TableName}"}}

    def tags(ResourceArn, NextToken=None):
        return {"Tags": [{"Key": "b", "Value": "2"}]} if NextToken else \
            {"Tags": [{"Key": "a", "Value": "1"}], "NextToken": "t"}
    client = FakeClient(list_tables=lambda: {"TableNames": ["orders", "gone"]}, describe_table=describe_table,
                        list_tags_of_resource=tags)
    assert dynamodb.get_tables(client) == [{"TableName": "orders", "TableArn": "arn:orders",
                                            "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}]
