"""Anomaly detection on device health (IsolationForest) and on raw sensor streams."""
