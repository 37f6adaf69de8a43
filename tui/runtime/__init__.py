"""What runs without a screen: the pipeline, the status file, the history,
config, alerts and the exit on signals.

Nothing here imports Textual or Rich, at import or later: ``liqwatch status``
(25 ms budget), ``report``, ``record`` and ``tape`` are built from these
modules, and a test holds that rule (tests/test_layers.py).
"""
