"""Live progress of a run and its final report, drawn with rich from the run's events.

The display only consumes events (the same dicts written to events.jsonl, in the schema of
``ibl_agents.loop.events``), so scripted users who pass their own ``on_event`` see exactly what the
terminal shows.
"""

from __future__ import annotations

import shlex

from rich.console import Console
from rich.status import Status
from rich.syntax import Syntax
from rich.table import Table

from ibl_agents.baselines.fit import ALL_LABELED
from ibl_agents.baselines.regressors import regressor_name
from ibl_agents.loop.events import CandidateEvent, Event
from ibl_agents.run.refine import RunSummary
from ibl_agents.tasks import LOWER_IS_BETTER, REPORTED_METRICS, shown_score
from ibl_agents.terminal_text import markup_safe, printable

_ACTIVITY = {
    "generating": "writing a code model",
    "executing": "running it in the sandbox",
    "critiquing": "critic reviewing it",
}


class LiveProgress:
    """Prints one line per candidate and a spinner for the step in flight."""

    def __init__(self, console: Console, metric: str, warnings: Console | None = None) -> None:
        self.console = console
        # Warnings go to standard error (the CLI's), so a saved stdout holds the run's lines and results.
        self.warnings = warnings or console
        self.metric = metric
        self.status: Status | None = None
        self.shown_warnings: set[str] = set()
        self.run_dir: str | None = None  # from the start (or resume) event

    def __call__(self, event: Event) -> None:
        kind = event.get("event")
        if kind in _ACTIVITY:
            self._spin(f"iteration {event['iteration']}: {_ACTIVITY[kind]}...")
        elif kind == "candidate":
            self._stop_spinner()
            self.console.print(_candidate_line(event, self.metric))
        elif kind == "warning":
            self.shown_warnings.add(event["message"])
            self.warnings.print(f"[yellow]warning:[/] {markup_safe(event['message'])}", soft_wrap=True)
        elif kind == "start":
            self.run_dir = event["run_dir"]
            self.metric = event.get("metric", self.metric)
            self.console.print(
                f"[bold]ibl run[/]: generator {event['generator']}, critic {event['critic']}, sandbox"
                f" {event['sandbox']}; {event['train_rows']} train / {event['validation_rows']} validation /"
                f" {event['test_rows']} locked test rows"
            )
            if "task" in event:
                self.console.print(
                    f"task [bold]{event['task']}[/] ({event['task_reason']}); candidates ranked by"
                    f" validation {self.metric}",
                    highlight=False,
                )
        elif kind == "resume":
            self.run_dir = event["run_dir"]
            at = event["iteration"] + (event["next"] == ["generate"])  # generate starts the next iteration
            step = f"{', '.join(event['next'])} of iteration {at}" if event["next"] else "the summary"
            self.console.print(
                f"[bold]ibl resume[/]: {event['candidates_kept']} candidates kept, continuing with {step};"
                f" generator {event['generator']}, critic {event['critic']}, sandbox {event['sandbox']}"
            )
        elif kind == "finish":
            self._stop_spinner()

    def interrupted(self) -> None:
        """Ctrl-C or SIGTERM: stop the spinner (a frozen line otherwise) and say how to continue."""
        self._stop_spinner()
        if self.run_dir is None:
            line = "interrupted before the run directory was written; nothing to resume"
        else:
            line = f"interrupted; resume with: ibl resume {markup_safe(shlex.quote(self.run_dir))}"
        self.warnings.print(line, soft_wrap=True)  # one line, however long the path

    def _spin(self, text: str) -> None:
        if self.status is None:
            self.status = self.console.status(text)
            self.status.start()
        else:
            self.status.update(text)

    def _stop_spinner(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None


def _candidate_line(event: CandidateEvent, metric: str) -> str:
    """One line per candidate; a lower-is-better metric (``neg_rmse``) shows its plain value (``rmse``)."""
    score = event.get("score")
    best = event.get("best_score")
    name, shown = shown_score(metric, score) if score is not None else (metric, None)
    outcome = f"[green]ok[/] {name} {shown:.3f}" if shown is not None else f"[red]{event['kind']}[/]"
    accepted = " [bold green]new best[/]" if event.get("accepted") else ""
    best_text = f"{shown_score(metric, best)[1]:.3f}" if best is not None else "-"
    message = f" ({markup_safe(event['message'][:90])})" if event.get("message") and score is None else ""
    return (
        f"iter {event['iteration']:>2}  {outcome}{accepted}{message}  best {best_text}  "
        f"tokens {event.get('tokens_used', 0):,}  {event.get('elapsed_s', 0):.0f}s"
    )


def print_report(
    console: Console,
    summary: RunSummary,
    metric: str,
    shown_warnings: set[str],
    warnings: Console | None = None,
) -> None:
    """Best code, its metrics beside the baseline's, the stop reason; the run directory comes last."""
    if summary.best_code:
        console.rule(f"best code model (candidate {summary.best_id})")
        code = printable(summary.best_code)
        if console.is_terminal:  # highlighted, long lines wrapped rather than cut
            console.print(Syntax(code, "python", line_numbers=False, word_wrap=True))
        else:  # a pipe or a log file: the code exactly, however long its lines
            console.print(code, markup=False, highlight=False, emoji=False, soft_wrap=True, end="")
    names = REPORTED_METRICS[summary.task]
    lower = [name for name in names if name in LOWER_IS_BETTER]
    direction = f"{', '.join(lower)} lower, the others higher" if lower else "higher"
    table = Table(title=f"metrics ({direction} is better)")
    table.add_column("model")
    for split in ("validation", "locked test"):
        for name in names:
            table.add_column(f"{split} {name}", justify="right")
    table.add_row("LLM code model", *_cells(summary.validation, names), *_cells(summary.test, names))
    for label, scores in _yardsticks(summary):
        table.add_row(label, *_cells(scores["validation"], names), *_cells(scores["test"], names))
    console.print(table)
    tokens = "~" if summary.tokens_estimated else ""
    by_node = ", ".join(f"{k} {v:,}" for k, v in summary.tokens_by_node.items())
    spent = f" ${summary.cost_usd:.4f}," if summary.cost_usd is not None else ""
    if summary.replayed_replies:
        spent += f" {summary.replayed_replies} replies from the cache,"
    console.print(
        f"stop: [bold]{summary.stop_reason}[/]"
        f"{' - ' + markup_safe(summary.stop_detail) if summary.stop_detail else ''};"
        f" {summary.iterations} iterations, {tokens}{summary.tokens_used:,} tokens ({by_node}),{spent}"
        f" {summary.wall_s:.0f}s"
    )
    for warning in (w for w in summary.warnings if w not in shown_warnings):
        (warnings or console).print(f"[yellow]warning:[/] {markup_safe(warning)}", soft_wrap=True)


def _yardsticks(summary: RunSummary) -> list[tuple[str, dict[str, dict[str, float]]]]:
    """The rows beside the LLM's: the baselines fitted on the shown rows, the prompt's aids with no LLM,
    and the linear baseline fitted on every labeled row (the other ``@all_labeled`` fits are in
    summary.json only, to keep the table short)."""
    linear = regressor_name("logistic_regression") if summary.task == "regression" else "logistic_regression"
    shown = [
        (name.replace("_", " "), scores)
        for name, scores in summary.baselines.items()
        if not name.endswith(ALL_LABELED)
    ]
    harness = [(f"harness only (no LLM): {name}", scores) for name, scores in summary.harness_only.items()]
    labeled = summary.baselines.get(linear + ALL_LABELED)
    all_rows = [(f"{linear.replace('_', ' ')} on all labeled rows", labeled)] if labeled else []
    return shown + harness + all_rows


def _cells(scores: dict[str, float], names: tuple[str, ...]) -> list[str]:
    return [f"{scores[k]:.3f}" if k in scores else "-" for k in names]
