"""(being moved onto the kinds table; the previous version: git show 3104ab0:collectors/aws/resources/eks.py)"""
from typing import List

from collectors.aws.kind import Kind

KINDS: List[Kind] = []
