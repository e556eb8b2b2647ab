"""Accounts are subscriptions: every one the credential can see (``subscriptions.list``), or the
configured ones, minus the excluded ones."""
from __future__ import annotations

from typing import Any, Dict, List

from collectors.azure.clients import subscription_client
from collectors.azure.config import AzureConfig
from collectors.azure.listing import get_subscriptions
from hookspecs import Account

Json = Dict[str, Any]
# subscriptions in these states have no resources to read
SKIPPED_STATES = {"disabled", "deleted"}


def choose_subscriptions(visible: List[Json], config: AzureConfig) -> List[Account]:
    """The accounts to collect (pure). A configured id that is not visible is still returned: its
    collect then fails with the service's own error, as that account's failure."""
    excluded = {s.lower() for s in config.exclude_subscriptions}
    by_id = {str(s["subscriptionId"]).lower(): s for s in visible if s.get("subscriptionId")}
    if config.subscriptions is None:
        chosen = [s for s in visible if str(s.get("state", "")).lower() not in SKIPPED_STATES]
    else:
        chosen = [by_id.get(sub.lower(), {"subscriptionId": sub}) for sub in config.subscriptions]
    accounts, seen = [], set()
    for sub in chosen:
        sub_id = str(sub["subscriptionId"])
        if sub_id.lower() in excluded or sub_id.lower() in seen:
            continue
        seen.add(sub_id.lower())
        accounts.append(Account(id=sub_id, name=sub.get("displayName") or sub_id, extra={"subscription": sub}))
    return accounts


def list_accounts(config: AzureConfig) -> List[Account]:
    return choose_subscriptions(get_subscriptions(subscription_client(config)), config)
