"""ACM certificates: listed, then each described (one call per certificate)."""
from __future__ import annotations

from typing import List

from collectors.aws.kind import Client, Json, Kind, last_segment
from collectors.aws.resources.base import for_each, optional, paginate

CERTIFICATE = "aws_acm_certificate"
GONE = {"ResourceNotFoundException"}  # deleted since it was listed


def get_certificates(acm: Client) -> List[Json]:
    """The certificates ListCertificates names (with its default filter, as the reference asks), as
    DescribeCertificate describes them."""
    arns = [c["CertificateArn"] for c in paginate(acm, "list_certificates", "CertificateSummaryList")]
    described = for_each(arns, lambda arn: optional(acm.describe_certificate, GONE, CertificateArn=arn))
    return [found["Certificate"] for found in described if found and found.get("Certificate")]


KINDS = [
    # the reference reads no tags (DescribeCertificate has none) and neither tags nor deletes certificates
    Kind(CERTIFICATE, "acm", get_certificates, id=last_segment("CertificateArn"), name_of="DomainName",
         arn="CertificateArn",
         props={"ctime": "CreatedAt", "key_usages": "KeyUsages[].Name",
                "certificate_transparency_logging": "Options.CertificateTransparencyLoggingPreference"}),
]
