"""Durable jobs: rows in Privet's database, run by the in-process runner or Celery."""
