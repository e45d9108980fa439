"""Identity verification challenges (one-time codes, signed links)."""
