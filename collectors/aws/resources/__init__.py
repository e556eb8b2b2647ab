"""One module per AWS service: its ``get_*`` functions (API calls only) and the declarations of the kinds
it holds (``KINDS``), which ``collectors.aws.table`` puts into the one table of all kinds."""
