"""Home Assistant -> daily device telemetry: what HA records about a device, turned into metric rows."""
