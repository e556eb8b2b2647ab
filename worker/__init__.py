"""resotoworker: collects cloud resources, one process per account, for resotocore 3.9.0."""

__version__ = "0.1.0"
