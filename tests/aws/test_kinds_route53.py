"""Route 53 record sets and records: their node ids follow the reference's own keys (several record sets and
records share one id), and a record's data is read into its parts."""
from __future__ import annotations

import pytest

from collectors.aws.resources.route53 import get_zones, rdata, records
from collectors.aws.shape import Scope, node
from collectors.aws.table import BY_NAME, items_of
from worker.graph.ids import node_id

ACCOUNT = "123456789012"
ZONE_ID = "RUPFR2P3YVB5UL5NWQVRR9"
# what list_resource_record_sets answers for the reference estate's zone (moto-estate/populate_moto.py)
RECORD_SETS = [
    {"Name": "ref.example.com.", "Type": "NS", "TTL": 172800,
     "ResourceRecords": [{"Value": "ns-2048.awsdns-64.com"}, {"Value": "ns-2049.awsdns-65.net"},
                         {"Value": "ns-2050.awsdns-66.org"}, {"Value": "ns-2051.awsdns-67.co.uk"}]},
    {"Name": "ref.example.com.", "Type": "SOA", "TTL": 900,
     "ResourceRecords": [{"Value": "ns-2048.awsdns-64.com. hostmaster.example.com. 1 7200 900 1209600 86400"}]},
    {"Name": "www.ref.example.com.", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "10.0.0.1"}]},
]
# the node ids the reference uploaded for them (capture-3.9.0/merge-aws-account.ndjson)
REFERENCE_SET_IDS = {"eMEf57A0a3k3uRNXh91sJw", "DNR12pW-GOdt4xVXmKUIMQ", "8FOSa4RhbtN6i_MThkJJlQ"}
REFERENCE_RECORD_IDS = {"QR-lCVMoWR2ZPncaMO8Gsg", "lQ531wRusWbc-c3N1OfJ8g", "TWNamcCGE2eoLYahA9yY-w",
                        "bpVn2sj7_PIBhs7oGuNiGg", "Q6zjYy9O8D5HP0LrEzgsCA", "lR0BUBDA3ZtmEN_cPNzByg"}


class FakeRoute53:
    """Answers the calls of ``get_zones`` for one zone."""

    def list_tags_for_resource(self, ResourceType, ResourceId):
        return {"ResourceTagSet": {"ResourceType": ResourceType, "ResourceId": ResourceId, "Tags": []}}

    def get_paginator(self, operation):
        pages = {"list_hosted_zones": {"HostedZones": [{"Id": f"/hostedzone/{ZONE_ID}", "Name": "ref.example.com.",
                                                        "CallerReference": "ref-1", "ResourceRecordSetCount": 3}]},
                 "list_query_logging_configs": {"QueryLoggingConfigs": []},
                 "list_resource_record_sets": {"ResourceRecordSets": [dict(s) for s in RECORD_SETS]}}

        class Paginator:
            def paginate(self, **_):
                return [pages[operation]]
        return Paginator()


def node_ids(kind_name: str, result) -> set:
    kind = BY_NAME[kind_name]
    scope = Scope(ACCOUNT, "us-east-1", "global")
    made = [node(kind, item, scope) for item in items_of(kind, result)]
    return {node_id(kind_name, "aws", ACCOUNT, "us-east-1", None, *m.key) for m in made}


def test_node_ids_are_the_reference_ones():
    result = get_zones(FakeRoute53())
    assert [s["HostedZoneId"] for s in result["RecordSets"]] == [ZONE_ID] * 3
    assert node_ids("aws_route53_resource_record_set", result) == REFERENCE_SET_IDS
    assert node_ids("aws_route53_resource_record", result) == REFERENCE_RECORD_IDS


def test_one_record_per_value_and_none_for_alias_sets():
    result = {"RecordSets": [
        {"Name": "a.example.org.", "Type": "a", "ResourceRecords": [{"Value": "1.1.1.1"}, {"Value": "2.2.2.2"}],
         "HostedZoneId": "Z1"},
        {"Name": "b.example.org.", "Type": "A", "AliasTarget": {"HostedZoneId": "Z2", "DNSName": "lb.example.com.",
                                                                "EvaluateTargetHealth": False}, "HostedZoneId": "Z1"},
    ]}
    found = records(result)
    assert [(r["Name"], r["Type"], r["TTL"], r["Data"]) for r in found] == [
        ("a.example.org.", "A", 0, "1.1.1.1"), ("a.example.org.", "A", 0, "2.2.2.2")]


@pytest.mark.parametrize("record_type, data, expected", [
    ("A", "10.0.0.1", {"record_value": "10.0.0.1"}),
    ("MX", "10 mail.example.org.", {"record_value": "mail.example.org.", "record_priority": 10}),
    ("SRV", "1 5 5060 sip.example.org.", {"record_value": "sip.example.org.", "record_priority": 1,
                                          "record_weight": 5, "record_port": 5060}),
    ("CAA", '0 issue "letsencrypt.org"', {"record_value": '"letsencrypt.org"', "record_flags": 0,
                                          "record_tag": "issue"}),
    ("SOA", "ns1.example.org. admin.example.org. ( 7 ; serial\n 3600 600 86400 300 )",
     {"record_value": "ns1.example.org. admin.example.org. 7 3600 600 86400 300", "record_mname": "ns1.example.org.",
      "record_rname": "admin.example.org.", "record_serial": 7, "record_refresh": 3600, "record_retry": 600,
      "record_expire": 86400, "record_minimum": 300}),
    ("TXT", '"v=spf1 include:a" " include:b ~all"', {"record_value": "v=spf1 include:a include:b ~all"}),
    ("TXT", '"say \\" "hi"', {"record_value": 'say \\" "hi'}),
    ("MX", "mail.example.org.", {"record_value": "mail.example.org."}),  # not "priority host": just its value
    ("SRV", "a b c d", {"record_value": "a b c d"}),
])
def test_record_data_parts(record_type, data, expected):
    assert rdata(record_type, data) == expected
