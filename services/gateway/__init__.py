"""Gateway: drives the pre-production pipeline over the services' HTTP APIs."""
