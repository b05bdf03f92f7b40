"""The events of a run: one schema for what the nodes and ``refine``/``resume`` emit, what events.jsonl
holds (each line also carries ``time``), what the terminal's progress reads and what ``on_event``
callbacks receive. Each kind is a TypedDict, so a misspelt or missing key is a type error where the
event is made, and ``tests/graph/test_events.py`` checks every line a real run writes against it.
"""

from typing import Any, Literal

from typing_extensions import TypedDict  # Pydantic needs it on Python 3.11

from ibl_agents.loop.candidate import CandidateSummary


class StartEvent(TypedDict):
    event: Literal["start"]
    run_dir: str
    sandbox: str  # the executor's description
    generator: str
    critic: str
    task: str
    task_reason: str
    classes: list[str]
    metric: str
    train_rows: int
    validation_rows: int
    test_rows: int


class ResumeEvent(TypedDict):
    event: Literal["resume"]
    run_dir: str
    checkpoint_store: str
    next: list[str]  # the graph's next nodes; empty: only the summary is left
    iteration: int
    candidates_kept: int
    sandbox: str
    generator: str
    critic: str


class WarningEvent(TypedDict):
    event: Literal["warning"]
    message: str


class StepEvent(TypedDict):
    """A step starts: ``generating`` and ``critiquing`` (``executing`` names its candidate too)."""

    event: Literal["generating", "critiquing"]
    iteration: int


class ExecutingEvent(TypedDict):
    event: Literal["executing"]
    iteration: int
    id: str


class GeneratedEvent(TypedDict):
    event: Literal["generated"]
    iteration: int
    id: str
    tokens: int
    attempts: int  # requests the call made (retries included)
    has_code: bool
    cut_off: bool
    removed_example_lines: int  # example-usage lines the harness dropped from the reply
    fixes: str | None  # the failed candidate this one fixes


class RepairedEvent(TypedDict):
    event: Literal["repaired"]
    id: str
    kind: str  # the repair (a scaffold aid): invert_ranking
    train_auc_as_written: float
    validation_as_written: dict[str, float]


class CandidateEvent(CandidateSummary):
    """A candidate judged: its record, and the run's best score, tokens and time so far."""

    event: Literal["candidate"]
    best_score: float | None
    tokens_used: int
    elapsed_s: float


class FinishEvent(TypedDict):
    event: Literal["finish"]
    stop_reason: str | None
    ok: bool


Event = (
    StartEvent
    | ResumeEvent
    | WarningEvent
    | StepEvent
    | ExecutingEvent
    | GeneratedEvent
    | RepairedEvent
    | CandidateEvent
    | FinishEvent
)
EVENT_TYPES: dict[str, Any] = {
    "start": StartEvent,
    "resume": ResumeEvent,
    "warning": WarningEvent,
    "generating": StepEvent,
    "critiquing": StepEvent,
    "executing": ExecutingEvent,
    "generated": GeneratedEvent,
    "repaired": RepairedEvent,
    "candidate": CandidateEvent,
    "finish": FinishEvent,
}


def schema_errors(event: dict[str, Any]) -> list[str]:
    """What is wrong with ``event`` against its kind's schema (keys only; ``time`` is the log's own)."""
    kind = EVENT_TYPES.get(event.get("event", ""))
    if kind is None:
        return [f"unknown event kind {event.get('event')!r}"]
    keys = set(event) - {"time"}
    missing = sorted(kind.__required_keys__ - keys)
    unknown = sorted(keys - kind.__required_keys__ - kind.__optional_keys__)
    problems = [("missing", missing), ("unknown", unknown)]
    return [f"{event['event']}: {what} {', '.join(names)}" for what, names in problems if names]
