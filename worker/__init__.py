"""resotoworker: collects cloud resources, one process per account, for resotocore 3.9.0."""

# the distribution's name differs from the original's (resotoworker 3.9.0 on the package index), so that
# neither `pip install` nor `pip install -U` can swap one for the other; the command is still `resotoworker`
DISTRIBUTION = "resotoworker-ng"
__version__ = "0.2.0"
