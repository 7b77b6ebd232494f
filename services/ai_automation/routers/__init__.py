"""HTTP routers of ai-automation."""
