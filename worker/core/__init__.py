"""Everything that talks to resotocore: authentication, TLS bootstrap, HTTP calls and the three
websocket links (actions, work queue, config events)."""
