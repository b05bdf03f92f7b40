"""``ibl explain RUN_DIR``: what a run's code model looks at, and what it does, in plain language.

Two views, because they fail differently: static analysis (``columns_used``, which does not count the keys
of the prompt's constants) is exact about which columns the source uses but says nothing of the logic; an
LLM's reading explains the logic but can be wrong. So the LLM's text is kept apart, labeled with the model
that wrote it, and never replaces the static facts. The explanation is stored in the run directory
(``explanation.json``) beside what it explains.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from ibl_agents.codemodel.columns import columns_used, reads_by_position
from ibl_agents.config import ModelConfig, config_from_mapping
from ibl_agents.errors import DataError
from ibl_agents.loop.artifacts import CandidateFiles, read_json, write_json
from ibl_agents.models.chat import ask
from ibl_agents.prompts.templates import render


@dataclass(frozen=True)
class RunModel:
    """One code model of a run with what is needed to talk about it."""

    run_dir: Path
    source_file: Path
    code: str
    target: str
    task_note: str
    features: list[str]


@dataclass(frozen=True)
class Explanation:
    run_dir: str
    source_file: str
    columns_read: list[str]
    columns_not_named: list[str]  # features the source never names (static reading)
    reads_by_position: bool  # it may reach columns without naming them: those above may be used too
    explanation: str | None  # None when no model was asked (--no-llm)
    explained_by: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        read = ", ".join(self.columns_read) or "none found by static analysis"
        out = [f"{self.source_file}", f"columns read: {read}"]
        if self.columns_not_named:
            maybe = (
                " (the code also reaches columns by position or as a whole frame, so it may use them)"
                if self.reads_by_position
                else ""
            )
            out.append(f"columns the code never names: {', '.join(self.columns_not_named)}{maybe}")
        if self.explanation is not None:
            heading = f"{self.explained_by}'s reading of the code (may be wrong):"
            out += ["", heading, self.explanation.strip()]
        return out


def load_run_model(run_dir: Path, candidate: str | None = None) -> RunModel:
    """The run's best model (or candidate ``candidate``) and the manifest facts about its data."""
    manifest_file = run_dir / "manifest.json"
    if not manifest_file.is_file():
        raise DataError(f"{run_dir} is not a run directory (no manifest.json); pass runs/<id> from `ibl run`")
    manifest = read_json(manifest_file)
    source_file = CandidateFiles(run_dir, candidate).code if candidate else run_dir / "best_model.py"
    if not source_file.is_file():
        hint = (
            "list them in candidates/"
            if candidate
            else "the run produced no valid model yet; pass --candidate NNNN to explain another one"
        )
        raise DataError(f"{source_file} does not exist: {hint}")
    positive, classes = manifest.get("positive_label"), manifest.get("classes") or []
    task_note = f"the probability that it is {positive}" if positive is not None else str(manifest["task"])
    if manifest.get("task") == "multiclass":
        task_note = f"the probability of each class: {', '.join(classes)}"
    return RunModel(
        run_dir=run_dir,
        source_file=source_file,
        code=source_file.read_text(encoding="utf-8"),
        target=manifest["target"],
        task_note=task_note,
        features=list(manifest["features"]),
    )


def explain(model: RunModel, chat: BaseChatModel | None, chat_name: str | None) -> Explanation:
    """Static facts always; the chat model's reading when one is given. Saved to explanation.json."""
    read = columns_used(model.code, model.features)
    ordered = [column for column in model.features if column in read]
    text = None
    if chat is not None:
        prompt = render(
            "explain",
            target=model.target,
            task_note=model.task_note,
            column_names=", ".join(model.features),
            columns_read=", ".join(ordered) or "none",
            code=model.code,
        )
        text = ask(chat, prompt).text
    explanation = Explanation(
        run_dir=str(model.run_dir),
        source_file=str(model.source_file),
        columns_read=ordered,
        columns_not_named=[column for column in model.features if column not in read],
        reads_by_position=reads_by_position(model.code),
        explanation=text,
        explained_by=chat_name if chat is not None else None,
    )
    write_json(model.run_dir / "explanation.json", explanation.to_json())
    return explanation


def explainer_config(run_dir: Path, model: str | None, base_url: str | None) -> ModelConfig:
    """The run's own generator settings (same model, server and context), with ``--model`` or
    ``--base-url`` swapped in when given."""
    config_file = run_dir / "config.json"
    if not config_file.is_file():
        if model is None:
            raise DataError(f"{run_dir} has no config.json; pass --model to choose the explaining model")
        return ModelConfig(generator=model, base_url=base_url)
    settings = config_from_mapping(read_json(config_file)).models
    if model is not None:
        settings.generator, settings.base_url = model, base_url
    elif base_url is not None:
        settings.base_url = base_url
    settings.critic = None
    return settings
