"""What every collector needs and none should write twice: its config section (``config``), shaping API
values to the model's kinds (``model``), tag helpers (``tags``) and its pluggy hook implementations,
guarded by cloud (``plugin``). Nothing here knows a cloud SDK or the worker."""
