"""The kinds' declarations, one module per Resource Manager namespace (``base``: what every subscription has)."""
