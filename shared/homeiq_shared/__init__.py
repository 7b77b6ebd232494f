"""HomeIQ ML shared library: contracts and infrastructure both services use."""
