"""Jobs of the notify domain: outbox delivery (periodic) and customer webhooks."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from privet.jobs.service import JobContext, periodic, task
from privet.kit.errors import ConfigurationError
from privet.kit.runtime import Runtime
from privet.notify.mailer import deliver_pending
from privet.notify.webhooks import send_webhook

log = logging.getLogger(__name__)

DELIVER_WEBHOOK = "deliver_webhook"


@periodic("deliver_outbox", every=timedelta(seconds=30))
def deliver_outbox(runtime: Runtime, _now: datetime) -> None:
    """Send what waits in the outbox (or keep it there without a mail server)."""
    report = deliver_pending(runtime.sessions, runtime.settings)
    if report.error:
        log.warning("outbox delivery: %s", report.error)


@task(DELIVER_WEBHOOK)
def deliver_webhook(ctx: JobContext) -> None:
    """POST one signed event to a customer's webhook; raises (and is retried) until it is
    accepted."""
    key = ctx.runtime.settings.webhook_secret
    if key is None or not key.get_secret_value():
        raise ConfigurationError("webhooks to customers need PRIVET_WEBHOOK_SECRET",
                                 hint="set it, and share it with the customers")
    body = json.dumps(ctx.payload["event"], sort_keys=True, separators=(",", ":")).encode()
    send_webhook(str(ctx.payload["url"]), body, secret=key.get_secret_value().encode())
