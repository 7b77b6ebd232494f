"""ai-automation service: synthetic homes and the home-type classifier."""

__version__ = "0.1.0"
