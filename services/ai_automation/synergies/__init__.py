"""Synergy detection: automation suggestions from a home's devices, areas and habits (no web framework here).

- `home`: a home snapshot as typed entities (kind from domain + device class, area kind multilingual).
- `automations`: which entities an HA automation triggers on and acts on (existing ones are excluded).
- `patterns`: the typed pattern library (trigger kind x action domain, conditions, blueprints).
- `priors`: kind-pair statistics fitted on real homes' automations (derived counts only).
- `ranking`: candidate pairs, their features and the cold-start scorer; the rule-table and random baselines.
- `history`: home-specific evidence from manual state changes that follow a trigger (lift vs a shuffled null).
- `services`: the HA service doing a verb to an entity of a domain (one table for suggestions, habits, asks).
- `render`: the suggestion as an HA automation in the current YAML keys (never enabled automatically).
- `detect`: the whole pipeline, snapshot (+ events, + existing automations) -> ranked suggestions.
"""
