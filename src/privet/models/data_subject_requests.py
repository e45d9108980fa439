"""Data subject requests and their events."""
