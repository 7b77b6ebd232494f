"""Ask in words: a typed request becomes an automation for the owner's own home (no web framework here).

- `words`: multilingual-tolerant tokens of a request and of entity names, and the concepts they name.
- `quantities`: times, thresholds and durations in a request ("after 22:00", "below 18 degrees").
- `bm25`: a small BM25 index (templates and the home's entities are both retrieved with it).
- `library`: the template library (synergy patterns, HA's built-in blueprints, the home's own automations).
- `slots`: which of the home's entities fill the trigger and action slots (the synergy ranker scores pairs).
- `compose`: the whole pipeline, request + snapshot -> a grounded automation or a clear "cannot".
"""
