"""The home-type classifier: home view and features, dataset, model, training, evaluation, monitoring.

Reads home files (generated or real); never imports the generator (`ai_automation.synthesis`).
"""
