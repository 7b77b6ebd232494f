"""HTTP routers of device-intelligence."""
