"""Client logs attached to an incident: validated and redacted before anything is stored.

The upload goes through ``clientlog.upload.prepare_upload`` first (size, type, gzip, secrets);
only its redacted text reaches the ``attachments`` table, and the timeline gets an ``attached``
event with metadata only (name, size, hash, format, redaction counts), never content. A
rejected upload raises ``UploadRejected`` and leaves no row and no event behind.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calltriage.domain.model import EventKind
from calltriage.errors import NotFound
from calltriage.services.views import iso
from calltriage.store import Store
from calltriage.store.models import Attachment, Incident

if TYPE_CHECKING:
    from calltriage.services.context import App
    from calltriage.services.incidents import Actor, IncidentService

# A day of PJSIP debug logging from a phone is 5-30 MB; gzip brings it far below this.
MAX_LOG_BYTES = 20 * 1024 * 1024
_ANALYSES: OrderedDict[str, dict[str, Any]] = OrderedDict()  # sha256 -> analysis (the text never changes)
_CACHE_SIZE = 32


def attach_log(app_or_store: App | Store, incident_id: int, filename: str, data: bytes | Any, actor: Actor,
               max_bytes: int = MAX_LOG_BYTES) -> dict[str, Any]:
    """Validate, redact and store a client log; returns the attachment's metadata.

    ``data`` may be bytes or a zero-argument callable returning bytes: the callable is only
    called once the incident is known to exist (a CLI or API need not read a big file for an
    incident that is not there).
    """
    from calltriage.clientlog.upload import prepare_upload

    store, incidents = _parts(app_or_store)
    _require_incident(store, incident_id)
    raw: bytes = data() if callable(data) else data
    prepared = prepare_upload(filename, raw, max_bytes=max_bytes)  # raises UploadRejected, nothing stored
    meta = {**prepared.to_dict(), "format": "gzip" if prepared.compressed else "text"}
    stored: list[int] = []

    def store_row(session: Session, incident: Incident) -> dict[str, Any]:
        # Same transaction as the timeline event: an attachment the timeline does not mention never exists.
        row = Attachment(incident_id=incident.id, filename=prepared.filename, sha256=prepared.sha256,
                         size=prepared.text_bytes, content=prepared.text, uploaded_by=actor.name,
                         uploaded_at=incidents.clock(), meta=meta)
        session.add(row)
        session.flush()
        stored.append(row.id)
        return {"attachment_id": row.id}

    event = {"filename": prepared.filename, "size": prepared.text_bytes,
             "sha256": prepared.sha256, "format": meta["format"], "original_bytes": prepared.original_bytes,
             "encoding": prepared.encoding, "redactions": dict(prepared.redactions)}
    hidden = sum(prepared.redactions.values())
    note = f"attached {prepared.filename} ({prepared.text_bytes} bytes, {hidden} secret(s) redacted)"
    incidents.add_note(incident_id, note, actor=actor, kind=EventKind.ATTACHED, data=event, within=store_row)
    attachment_id = stored[0]
    return get_attachment(store, attachment_id, content=False)


def list_attachments(store: Store, incident_id: int) -> list[dict[str, Any]]:
    """Metadata of an incident's attachments, oldest first (no content)."""
    _require_incident(store, incident_id)
    with store.read() as session:
        rows = session.scalars(select(Attachment).where(Attachment.incident_id == incident_id)
                               .order_by(Attachment.id)).all()
        return [_view(row, content=False) for row in rows]


def get_attachment(store: Store, attachment_id: int, *, incident_id: int | None = None,
                   content: bool = True) -> dict[str, Any]:
    with store.read() as session:
        row = session.get(Attachment, attachment_id)
        if row is None or (incident_id is not None and row.incident_id != incident_id):
            where = f" of incident {incident_id}" if incident_id is not None else ""
            raise NotFound(f"no attachment {attachment_id}{where}: list them with "
                           f"`calltriage incident attachments {incident_id or 'ID'}`")
        return _view(row, content=content)


def analyze_attachments(store: Store, incident_id: int) -> dict[str, Any] | None:
    """Analysis of the incident's latest log (ranked causes with their lines), or None without logs."""
    _require_incident(store, incident_id)
    with store.read() as session:
        row = session.scalars(select(Attachment).where(Attachment.incident_id == incident_id)
                              .order_by(Attachment.id.desc()).limit(1)).first()
        if row is None:
            return None
        meta, text = _view(row, content=False), row.content
    return {"attachment": meta, "analysis": _analysis(meta["sha256"], text)}


def probe_extras(store: Store, incident_id: int) -> dict[str, Any]:
    """What the services hand to probes in ``ProbeContext.extras`` (the ``clientlog.analysis`` probe).

    ``client_log`` is ``analyze_attachments``' result ({"attachment": meta, "analysis": ...}), or
    absent when the incident has no log (the probe then says "attach the app's log").
    """
    log = analyze_attachments(store, incident_id)
    return {"client_log": log} if log is not None else {}


def _analysis(sha256: str, text: str) -> dict[str, Any]:
    cached = _ANALYSES.get(sha256)
    if cached is None:
        from calltriage.clientlog import analyze

        cached = analyze(text).to_dict()
        _ANALYSES[sha256] = cached
        while len(_ANALYSES) > _CACHE_SIZE:
            _ANALYSES.popitem(last=False)
    else:
        _ANALYSES.move_to_end(sha256)
    return cached


def _view(row: Attachment, *, content: bool) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": row.id,
        "incident_id": row.incident_id,
        "filename": row.filename,
        "size": row.size,
        "sha256": row.sha256,
        "uploaded_by": row.uploaded_by,
        "uploaded_at": iso(row.uploaded_at),
        "meta": dict(row.meta or {}),
    }
    if content:
        view["content"] = row.content
    return view


def _require_incident(store: Store, incident_id: int) -> None:
    with store.read() as session:
        found = session.scalar(select(Incident.id).where(Incident.id == incident_id))
    if found is None:
        raise NotFound(f"no incident {incident_id}: list incidents with `calltriage incident list`")


def _parts(app_or_store: App | Store) -> tuple[Store, IncidentService]:
    if isinstance(app_or_store, Store):
        from calltriage.services.catalog import PlaybookCatalog, playbook_dirs
        from calltriage.services.incidents import IncidentService

        store = app_or_store
        return store, IncidentService(store, PlaybookCatalog(store, playbook_dirs()))
    return app_or_store.store, app_or_store.incidents
