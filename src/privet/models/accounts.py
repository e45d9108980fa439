"""Admin accounts and API keys."""
