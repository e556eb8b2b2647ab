"""(kinds of this service are being added)"""
from typing import List

from collectors.aws.kind import Kind

KINDS: List[Kind] = []
