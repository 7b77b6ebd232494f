"""device-intelligence service: device failure prediction and anomaly detection."""

__version__ = "0.1.0"
