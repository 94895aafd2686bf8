"""Webhooks: POST escalations and closes to configured URLs, signed, retried, off the request path.

The timeline is the source: a dispatcher reads new ``escalated`` / ``closed`` / ``handed-off``
events after a cursor, so changes made through the CLI, the API or the desk all notify, and a
restart resumes where it stopped (deliveries are rows, not memory). Each delivery is signed
with HMAC-SHA256 over ``"{timestamp}.{body}"`` (the scheme Stripe and GitHub receivers know),
retried with exponential back-off, and marked ``failed`` after the last attempt; admins see
failures on the desk's admin page and at ``GET /api/v1/webhooks/deliveries``.

Chat webhook URLs (Slack, Teams) carry their secret in the path, so the database never holds a
URL: a delivery row has the shortened URL for display and ``url_key`` (a hash of the URL); the
URL itself is looked up in the configuration when the delivery is sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update

from calltriage.errors import NotFound
from calltriage.services.views import iso
from calltriage.store import Store
from calltriage.store.auth_models import WebhookCursor, WebhookDelivery
from calltriage.store.models import Event, Incident

KINDS = {"escalated": "incident.escalated", "closed": "incident.closed", "handed-off": "incident.handed-off",
         "major": "incident.major"}
SIGNATURE_HEADER = "X-Calltriage-Signature"


@dataclass(frozen=True)
class WebhookSettings:
    urls: tuple[str, ...] = ()
    secret: str = field(default="", repr=False)
    max_attempts: int = 6
    backoff: float = 2.0  # seconds before the 2nd attempt; doubles each time (2, 4, 8, 16, 32)
    max_backoff: float = 300.0
    timeout: float = 5.0
    poll: float = 1.0
    # PostgreSQL assigns event ids before commit, so a slow transaction can commit an id below
    # one already read; reading only events older than this settle time keeps none behind.
    settle: float = 0.0

    @property
    def enabled(self) -> bool:
        return bool(self.urls)


def url_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, tolerance: float = 300.0,
           now: float | None = None) -> bool:
    """For receivers (and tests): constant-time check of a delivery's signature and its age.

    A signature older (or newer) than ``tolerance`` seconds is refused: a captured delivery
    cannot be replayed later.
    """
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature)


class WebhookService:
    def __init__(self, store: Store, settings: WebhookSettings,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 client: httpx.Client | None = None) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.client = client or httpx.Client(timeout=settings.timeout, follow_redirects=False)

    # -- outbox ------------------------------------------------------------------------------
    def collect(self, batch: int = 200) -> int:
        """Turn new timeline events into pending deliveries (one per URL); returns how many events."""
        if not self.settings.enabled:
            return 0
        horizon = self.clock() - timedelta(seconds=self.settings.settle)
        with self.store.write() as session:
            cursor = session.scalars(select(WebhookCursor).where(WebhookCursor.id == 1).with_for_update()).first()
            if cursor is None:
                # First start: notify from now on, not about the whole history.
                last = session.scalar(select(func.max(Event.id))) or 0
                session.add(WebhookCursor(id=1, last_event_id=last))
                return 0
            rows = session.execute(
                select(Event, Incident).join(Incident, Incident.id == Event.incident_id)
                .where(Event.id > cursor.last_event_id, Event.kind.in_(tuple(KINDS)), Event.at <= horizon)
                .order_by(Event.id).limit(batch)).all()
            now = self.clock()
            for event, incident in rows:
                payload = _payload(event, incident)
                for url in self.settings.urls:
                    session.add(WebhookDelivery(event_id=event.id, incident_id=incident.id, url=safe_url(url),
                                                url_key=url_key(url),
                                                kind=KINDS[event.kind], payload=payload, status="pending",
                                                attempts=0, next_attempt_at=now, last_error="", created_at=now))
            if rows:
                cursor.last_event_id = rows[-1][0].id
            return len(rows)

    def deliver_due(self, batch: int = 50) -> int:
        """Attempt every due delivery once; returns how many were attempted."""
        now = self.clock()
        with self.store.read() as session:
            due = list(session.scalars(
                select(WebhookDelivery).where(WebhookDelivery.status == "pending",
                                              WebhookDelivery.next_attempt_at <= now)
                .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(batch)))
        attempted = 0
        for delivery in due:
            if not self._claim(delivery):
                continue  # another `serve` process took it
            status, error = self._post(delivery)
            self._record(delivery.id, status, error)
            attempted += 1
        return attempted

    def _claim(self, delivery: WebhookDelivery) -> bool:
        """Lease a due delivery by a conditional UPDATE, so several `serve` processes never send it twice."""
        lease = self.clock() + timedelta(seconds=self.settings.timeout * 3)
        with self.store.write() as session:
            done = session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery.id, WebhookDelivery.status == "pending",
                       WebhookDelivery.next_attempt_at == delivery.next_attempt_at)
                .values(next_attempt_at=lease))
            return bool(getattr(done, "rowcount", 0) == 1)

    def _post(self, delivery: WebhookDelivery) -> tuple[int | None, str]:
        url = {url_key(u): u for u in self.settings.urls}.get(delivery.url_key)
        if url is None:
            return None, "this URL is no longer in CALLTRIAGE_WEBHOOK_URLS: add it back and retry, or ignore"
        body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "User-Agent": "calltriage-webhooks/1",
                   "X-Calltriage-Event": delivery.kind, "X-Calltriage-Delivery": str(delivery.id),
                   "X-Calltriage-Timestamp": timestamp}
        if self.settings.secret:
            headers[SIGNATURE_HEADER] = sign(self.settings.secret, timestamp, body)
        try:
            response = self.client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no detail'}"[:500]
        if 200 <= response.status_code < 300:
            return response.status_code, ""
        return response.status_code, f"receiver answered HTTP {response.status_code}"

    def _record(self, delivery_id: int, status: int | None, error: str) -> None:
        now = self.clock()
        with self.store.write() as session:
            row = session.get(WebhookDelivery, delivery_id)
            if row is None or row.status != "pending":
                return
            row.attempts += 1
            row.last_status = status
            row.last_error = error
            if not error:
                row.status, row.delivered_at = "delivered", now
            elif row.attempts >= self.settings.max_attempts:
                row.status = "failed"
            else:
                delay = min(self.settings.backoff * 2 ** (row.attempts - 1), self.settings.max_backoff)
                row.next_attempt_at = now + timedelta(seconds=delay)

    def retry(self, delivery_id: int) -> None:
        """An admin re-arms a failed delivery."""
        with self.store.write() as session:
            row = session.get(WebhookDelivery, delivery_id)
            if row is None or row.status != "failed":
                raise NotFound(f"no failed webhook delivery {delivery_id}: list failures on the admin page")
            row.status, row.attempts, row.next_attempt_at = "pending", 0, self.clock()

    # -- visibility --------------------------------------------------------------------------
    def deliveries(self, *, status: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        with self.store.read() as session:
            stmt = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)
            if status:
                stmt = stmt.where(WebhookDelivery.status == status)
            return [delivery_view(d) for d in session.scalars(stmt)]

    def failure_count(self) -> int:
        with self.store.read() as session:
            return int(session.scalar(select(func.count()).select_from(WebhookDelivery)
                                      .where(WebhookDelivery.status == "failed")) or 0)

    def close(self) -> None:
        self.client.close()


def safe_url(url: str) -> str:
    """Scheme, host and first path segment: chat webhook URLs (Slack, Teams) carry their secret in the path."""
    parts = httpx.URL(url)
    first = parts.path.strip("/").split("/", 1)[0]
    host = parts.netloc.decode().rpartition("@")[2]  # no user:password@
    return f"{parts.scheme}://{host}/{first}{'/…' if parts.path.strip('/') not in (first, first + '/…') else ''}"


def delivery_view(d: WebhookDelivery) -> dict[str, Any]:
    return {"id": d.id, "event_id": d.event_id, "incident_id": d.incident_id, "url": d.url,
            "kind": d.kind,
            "status": d.status, "attempts": d.attempts, "last_status": d.last_status, "last_error": d.last_error,
            "next_attempt_at": iso(d.next_attempt_at), "created_at": iso(d.created_at),
            "delivered_at": iso(d.delivered_at)}


def _payload(event: Event, incident: Incident) -> dict[str, Any]:
    return {"event": KINDS[event.kind], "event_id": event.id, "at": iso(event.at), "actor": event.actor,
            "node": event.node, "note": event.note, "data": event.data,
            "incident": {"id": incident.id, "status": incident.status, "level": incident.level,
                         "caller": incident.caller, "callee": incident.callee, "playbook": incident.playbook_id,
                         "resolution": incident.resolution, "category": incident.category,
                         "current": incident.current_node}}


class Dispatcher:
    """A daemon thread that collects and delivers; ``poke()`` wakes it right after a change."""

    def __init__(self, service: WebhookService) -> None:
        self.service = service
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error = ""

    def start(self) -> None:
        if self.service.settings.enabled and self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="calltriage-webhooks", daemon=True)
            self._thread.start()

    def poke(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.service.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.service.collect()
                self.service.deliver_due()
                self.last_error = ""
            except Exception as exc:  # the database may be briefly unreachable: keep the thread alive
                self.last_error = f"{type(exc).__name__}: {exc}"[:300]
            self._wake.wait(self.service.settings.poll)
            self._wake.clear()
