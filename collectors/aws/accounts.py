"""Which accounts to collect, and how to reach one again (in the child, or for a tag/delete task).

Per base (the default credential chain, or each configured profile):

* ``scrape_org``: every ACTIVE account of the organization (listed with the base's credentials, or
  through ``scrape_org_role_arn``), plus the caller's own account;
* else ``account``: the listed accounts;
* else: the caller's own account.

Then ``scrape_exclude_account`` is removed, and the caller's account too with ``do_not_scrape_current``.
The caller's account is collected with the base's own credentials (through ``role`` with
``assume_current``); any other account through ``role`` assumed in it. The first base that yields an
account keeps it.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import boto3

from collectors.aws.config import AwsConfig
from collectors.aws.clients import new_client
from collectors.aws.credentials import assumed_session, base_session, home_region, identity, role_arn
from hookspecs import Account


class AccountUnreachable(Exception):
    """No configured way leads into the account."""


def org_accounts(config: AwsConfig, base: boto3.Session) -> List[Tuple[str, str]]:
    """(id, name) of the organization's active accounts."""
    session = assumed_session(base, config, config.scrape_org_role_arn) if config.scrape_org_role_arn else base
    org = new_client(session, "organizations", home_region(config), config)
    found = []
    for page in org.get_paginator("list_accounts").paginate():
        for item in page.get("Accounts") or []:
            if item.get("Status", "ACTIVE") == "ACTIVE":
                found.append((str(item["Id"]), str(item.get("Name") or item["Id"])))
    return found


def _wanted(config: AwsConfig, base: boto3.Session, current: str) -> List[Tuple[str, Optional[str]]]:
    if config.scrape_org:
        listed = org_accounts(config, base)
        return listed + ([] if any(a == current for a, _ in listed) else [(current, None)])
    if config.account:
        return [(str(a), None) for a in config.account]
    return [(current, None)]


def list_accounts(config: AwsConfig) -> List[Account]:
    found: Dict[str, Account] = {}
    excluded = {str(a) for a in config.scrape_exclude_account or []}
    profiles: List[Optional[str]] = [*config.profiles] if config.profiles else [None]  # None: the default chain
    for profile in profiles:
        base = base_session(config, profile)
        me = identity(base, config)
        for account_id, name in _wanted(config, base, me.account_id):
            if account_id in excluded or account_id in found:
                continue
            is_current = account_id == me.account_id
            if is_current and config.do_not_scrape_current:
                continue
            via_role = not is_current or (config.assume_current and bool(config.role))
            if via_role and not config.role:
                raise AccountUnreachable(f"account {account_id} is not the caller's ({me.account_id}): "
                                         f"set aws.role to the role to assume in it")
            if config.prefer_profile_as_account_name and profile:
                name = profile
            found[account_id] = Account(id=account_id, name=name or account_id, extra={
                "profile": profile, "partition": me.partition,
                "role_arn": role_arn(me.partition, account_id, config.role) if via_role and config.role else None,
            })
    return list(found.values())


def account_session(config: AwsConfig, account: Account) -> boto3.Session:
    """The session ``list_accounts`` chose for ``account`` (found from the config if it did not say)."""
    if "role_arn" not in account.extra:
        return session_for_account_id(config, account.id)
    base = base_session(config, account.extra.get("profile"))
    arn = account.extra.get("role_arn")
    return assumed_session(base, config, arn, config.role_external_id) if arn else base


def session_for_account_id(config: AwsConfig, account_id: str) -> boto3.Session:
    """A session in ``account_id`` found from the config alone (tag and delete tasks only know the id)."""
    profiles: List[Optional[str]] = [*config.profiles] if config.profiles else [None]
    for profile in profiles:
        base = base_session(config, profile)
        if identity(base, config).account_id == account_id and not (config.assume_current and config.role):
            return base
    if not config.role:
        raise AccountUnreachable(f"account {account_id} is not reachable with the configured credentials "
                                 f"and aws.role is not set")
    base = base_session(config, profiles[0])
    return assumed_session(base, config, role_arn(identity(base, config).partition, account_id, config.role),
                           config.role_external_id)
