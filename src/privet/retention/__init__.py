"""Retention: the manifest's periods kept on the real databases, on schedule."""
