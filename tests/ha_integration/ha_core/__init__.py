"""Tests of custom_components/homeiq on Home Assistant core."""
