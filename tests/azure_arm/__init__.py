"""Tests of the Azure collector against a local Resource Manager (named so as not to shadow the azure SDK package)."""
