"""ai-automation service: synthetic homes and the home-type classifier."""
