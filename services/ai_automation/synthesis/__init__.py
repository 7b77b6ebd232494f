"""Synthetic homes: layout, household rhythm, HA events and context data, written as home files.

Nothing here imports the classifier (`ai_automation.home_type`); the two halves meet only in the
nightly training set and in files on disk.
"""
