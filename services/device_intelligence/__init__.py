"""device-intelligence service: device failure prediction and anomaly detection."""
