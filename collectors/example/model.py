"""Kinds of the example cloud, named and typed as the reference's example collector registers them."""

ACCOUNT_KIND = "example_account"


def _kind(fqn, bases, metadata, properties=()):
    return {"fqn": fqn, "bases": bases, "properties": list(properties), "allow_unknown_props": False,
            "successor_kinds": None, "aggregate_root": True, "metadata": metadata}


def _prop(name, kind):
    return {"name": name, "kind": kind, "required": False, "description": None}


MODEL = [
    {**_kind("example_resource", [], None), "aggregate_root": False},
    _kind("example_account", ["account"], {"icon": "account", "group": "control"}),
    _kind("example_region", ["region"], {"icon": "region", "group": "control"}),
    _kind("example_network", ["example_resource", "network"], {"icon": "network", "group": "networking"}),
    _kind("example_instance", ["example_resource", "instance"], {"icon": "instance", "group": "compute"}),
    _kind("example_volume", ["example_resource", "volume"], {"icon": "volume", "group": "storage"}),
    _kind("example_custom_resource", ["example_resource", "resource"], {"icon": "resource", "group": "misc"}, [
        _prop("custom_string_attribute", "string"),
        _prop("custom_int_attribute", "int64"),
        _prop("custom_optional_float_attribute", "double"),
        _prop("custom_dict_attribute", "dictionary[string, string]"),
        _prop("custom_list_attribute", "string[]"),
    ]),
]
