"""Insights for researchers and planners: hidden and unmet needs, with privacy by construction.

records.py (the de-identified per-intake record) -> aggregate.py (streaming counters) ->
compute.py (tables, ``disclosure.apply_k_threshold``, ``disclosure.check_k_anonymous``) ->
report.py (insights.json, CSVs, ``gap_map.py``). ``sources.py`` streams records from intakes,
a match output or a tenant's store; ``supply.py`` counts the services within reach;
``intervals.py`` gives Wilson intervals; ``command.py`` is ``recommender insights``.
Definitions and disclosure rules: docs/insights.md.
"""
