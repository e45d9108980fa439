"""The web server: the app factory, request-scoped sessions, and the one error handler."""
