"""Email to data subjects: messages rendered from templates, kept in an outbox, delivered
by SMTP when a server is configured (see ``messages`` and ``mailer``)."""
