"""Request bodies of /api/v1; the responses are the use-case API's read models (``services.models``),
the same JSON as the CLI's ``--json``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from calltriage.services.models import IncidentOut, IncidentPage, StepOut
from calltriage.web.errors import ERROR_SCHEMA

__all__ = ["IncidentOut", "IncidentPage", "StepOut"]

MAX_ID = 2**31 - 1  # PostgreSQL INTEGER: a larger id would fail in the database, not as a 404


def plain_text(value: str) -> str:
    # NUL bytes and lone surrogates cannot be stored by PostgreSQL / encoded as UTF-8: refuse them here.
    if "\x00" in value:
        raise ValueError("contains a NUL byte")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("is not valid UTF-8 text") from None
    return value


Text = Annotated[str, AfterValidator(plain_text)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpenIncident(_Body):
    playbook: Text | None = Field(None, max_length=120, description="Default: the complaint's entry playbook, "
                                  "else user-cant-call-professional.")
    caller: Text = Field(min_length=1, max_length=200, description="The user who reports.")
    callee: Text = Field(min_length=1, max_length=200, description="The party they tried to reach.")
    summary: Text = Field("", max_length=10_000)
    reporter: Text = Field("", max_length=120, description="Default: the operator of the token.")
    intake: IntakeBody | None = Field(None, description="The Kepner-Tregoe intake; its complaint routes the "
                                      "incident by the complaint matrix unless `playbook` is given.")


class GridCell(_Body):
    is_: Text = Field("", alias="is", max_length=2_000, description="What is observed.")
    is_not: Text = Field("", max_length=2_000, description="Where / when it does not happen.")


class IntakeBody(_Body):
    complaint: Text = Field(max_length=40, description="A complaint of the matrix (GET /api/v1/intake/complaints).")
    definition: Text = Field("", max_length=10_000, description="The incident in the user's own words.")
    description: dict[Literal["what", "where", "when", "extent"], GridCell] = Field(default_factory=dict)
    error_message: Text = Field("", max_length=1_000)
    device: Text = Field("", max_length=200)
    app_version: Text = Field("", max_length=80)
    network_type: Literal["", "wifi", "mobile", "wired", "other", "unknown"] = ""
    edition: Literal["", "professional", "enterprise"] = ""
    prefill: bool = Field(False, description="Ask the SIP server what it knows about the caller (registration, "
                          "app version and edition from the User-Agent); 422 without a server.")

    def record(self) -> dict[str, Any]:
        grid = {k: {"is": v.is_, "is_not": v.is_not} for k, v in self.description.items()}
        return {"complaint": self.complaint, "definition": self.definition, "description": grid,
                "error_message": self.error_message, "device": self.device, "app_version": self.app_version,
                "network_type": self.network_type, "edition": self.edition}


class AnswerBody(_Body):
    outcome: Text = Field(max_length=80, description="One of the step's choices.")
    note: Text = Field("", max_length=10_000)
    # Required: an answer is to the step the client saw. Without them a late or replayed answer
    # would answer whatever step is current now.
    node: Text = Field(max_length=120, description="The step answered (`current`); 409 if the incident moved on.")
    revision: int = Field(ge=0, le=MAX_ID, description="The `revision` seen; 409 if the incident changed since.")


class OverrideBody(_Body):
    node: Text = Field(max_length=120)
    outcome: Text = Field(max_length=80)
    reason: Text = Field(min_length=1, max_length=10_000)
    revision: int | None = Field(None, ge=0, le=MAX_ID, description="The revision seen; 409 if it changed.")


class ReopenBody(_Body):
    reason: Text = Field(min_length=1, max_length=10_000)
    revision: int | None = Field(None, ge=0, le=MAX_ID)


class OwnerBody(_Body):
    revision: int | None = Field(None, ge=0, le=MAX_ID, description="The revision seen; 409 if it changed.")


class AssignBody(OwnerBody):
    operator: Text = Field(min_length=1, max_length=120, description="An operator of the incident's level.")


class NoteBody(_Body):
    text: Text = Field(min_length=1, max_length=10_000)


class EscalateBody(_Body):
    request: Text = Field(max_length=120, description="An escalation request of the next level.")
    note: Text = Field("", max_length=10_000, description="Required: what was checked and found.")
    revision: int | None = Field(None, ge=0, le=MAX_ID)
    node: Text | None = Field(None, max_length=120, description="The step seen; 409 if the incident moved on.")


class CloseBody(_Body):
    resolution: Text = Field(max_length=120, description="A resolution code or close node of the playbook.")
    note: Text = Field("", max_length=10_000, description="Required with `anyway`: the reason.")
    revision: int | None = Field(None, ge=0, le=MAX_ID)
    node: Text | None = Field(None, max_length=120, description="The step seen; 409 if the incident moved on.")
    anyway: bool = Field(False, description="Close with a resolution the current step does not lead to.")


class Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class JobOut(Loose):
    incident: int
    job: dict[str, Any]


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer, all in the one error shape."""
    names = {400: "Bad request (a body that is not JSON)", 401: "No or invalid token",
             403: "Not allowed for this operator", 404: "Not found", 409: "Changed by someone else",
             413: "Request body over the limit", 422: "Invalid request"}
    return {c: {"description": names.get(c, "Error"), "content": {"application/json": {"schema": ERROR_SCHEMA}}}
            for c in (400, 401, 413, 422, *codes)}


OpenIncident.model_rebuild()
