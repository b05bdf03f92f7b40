"""The IBL authors' 630 GPT-4 Titanic code models, run through our whole pipeline and held to their records.

Each raw reply goes extraction -> example usage dropped -> contract -> one fresh container -> host scoring
on its seed's 300-row test file, exactly as ``ibl score`` does. Every model the authors recorded as
``0_succeeded`` must come out ok with their test AUC; every recorded failure must land on an outcome kind.
Containers are never shared between models: speed comes from a few workers, each with its own executor.
Everything runs twice, on the Docker and on the process executor: same runner, same protocol, same numbers.
"""

from __future__ import annotations

import collections
import functools
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pandas as pd
import pytest

from ibl_agents.data.dataset import Dataset, load_dataset
from ibl_agents.evaluation.standalone import FileScore, score_reply
from sandbox.docker_executor import DockerExecutor
from sandbox.executor import Executor
from sandbox.process_executor import ProcessExecutor
from sandbox.results import OutcomeKind
from tests.reference import GPT4_TITANIC, SPLITS

WORKERS = 3  # the machine has 2 cores; a third worker overlaps Docker's own latency
OK, INVALID, RUNTIME = OutcomeKind.OK, OutcomeKind.INVALID_OUTPUT, OutcomeKind.RUNTIME_ERROR
# What each of the authors' outcomes becomes here, and how often (the run is deterministic).
# Their "import errors" were mostly whole replies (prose + fences) run as Python: extraction runs them.
EXPECTED_MAPPING = {
    ("0_succeeded", OK): 427,
    ("1_import_error", OK): 120,
    ("1_import_error", OutcomeKind.FORBIDDEN_IMPORT): 16,  # sklearn and friends, refused by the contract
    ("1_import_error", RUNTIME): 5,  # extracted and run, then they fail on the data (KeyError, shapes)
    ("1_import_error", OutcomeKind.CONTRACT_ERROR): 1,  # titanic_3655_8_27: np.random.uniform weights
    ("2_predict_method_error", RUNTIME): 12,
    ("2_predict_method_error", INVALID): 1,  # returns NaN for every row
    ("3_invalid_pred_value", INVALID): 48,  # values outside [0, 1] (our range gate) or shape (n, 32)
}
# The one succeeded model whose AUC differs from the authors'. Its scores contain mathematically equal
# values that floating point rounds one ulp apart depending on evaluation order (weights 0.05 * fare -
# 0.05 * age ...), so AUC depends on how those near-ties break: ours equals the AUC of the scores rounded
# to 9 decimals (exact ties), the authors' breaks two more positive/negative pairs the wrong way.
FLOAT_TIE_MODELS = {"titanic_3655_50_23": 2}  # model -> pairs by which the authors' AUC is lower


@dataclass(frozen=True)
class Judged:
    name: str
    recorded: str  # the authors' comment column
    recorded_auc: float
    dataset: Dataset
    score: FileScore


@dataclass(frozen=True)
class Corpus:
    judged: list[Judged]
    wall_s: float
    backend: str


def open_executor(request: pytest.FixtureRequest) -> Callable[[], Executor]:
    """Executors of the backend under test (docker_client makes the session check for leaked containers)."""
    if request.param == "process":
        return ProcessExecutor
    image, client = request.getfixturevalue("sandbox_image"), request.getfixturevalue("docker_client")
    return functools.partial(DockerExecutor, image, client=client)


@pytest.fixture(scope="module", params=[pytest.param("docker", marks=pytest.mark.docker), "process"])
def corpus(request: pytest.FixtureRequest) -> Corpus:
    """Run all 630 models once per module and backend."""
    make_executor = open_executor(request)
    outcomes = pd.read_csv(GPT4_TITANIC.parent / "titanic_outcomes.tsv", sep="\t")
    datasets = {
        seed: load_dataset(SPLITS / f"titanic_{seed}_300_test.csv", "survived")
        for seed in outcomes["seed"].unique()
    }
    rows = list(outcomes.itertuples(index=False))

    def work(chunk: list) -> list[Judged]:
        with make_executor() as executor:
            return [
                Judged(
                    row.model_name,
                    row.comment,
                    row.auc,
                    datasets[row.seed],
                    score_reply(
                        (GPT4_TITANIC / f"{row.model_name}.py").read_text(), datasets[row.seed], executor
                    ),
                )
                for row in chunk
            ]

    started = time.monotonic()
    with ThreadPoolExecutor(WORKERS) as pool:
        chunks = pool.map(work, [rows[i::WORKERS] for i in range(WORKERS)])
        judged = [item for chunk in chunks for item in chunk]
    return Corpus(judged, time.monotonic() - started, request.param)


def test_every_model_was_judged_once(corpus: Corpus) -> None:
    assert len(corpus.judged) == 630
    assert len({j.name for j in corpus.judged}) == 630
    assert not [j for j in corpus.judged if j.score.kind is OutcomeKind.SANDBOX_ERROR]


def test_every_authors_success_is_ok_with_their_auc(corpus: Corpus) -> None:
    succeeded = [j for j in corpus.judged if j.recorded == "0_succeeded"]
    assert len(succeeded) == 427
    not_ok = [(j.name, j.score.kind, j.score.message) for j in succeeded if not j.score.ok]
    assert not not_ok
    differing = {
        j.name: (j.score.metrics["auc"], j.recorded_auc)
        for j in succeeded
        if abs(j.score.metrics["auc"] - j.recorded_auc) > 1e-6
    }
    assert set(differing) == set(FLOAT_TIE_MODELS), differing
    for j in succeeded:
        if j.name in FLOAT_TIE_MODELS:
            positives = int(j.dataset.y.sum())
            pairs = positives * (len(j.dataset.y) - positives)
            ours, theirs = differing[j.name]
            assert (ours - theirs) * pairs == pytest.approx(FLOAT_TIE_MODELS[j.name], abs=1e-6)


def test_every_recorded_failure_maps_to_an_outcome_kind(
    corpus: Corpus, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = collections.Counter((j.recorded, j.score.kind) for j in corpus.judged)
    with capsys.disabled():  # the numbers issue 3 asks for, shown on every run
        where = f"{WORKERS} workers, {corpus.backend} executor"
        print(f"\n{len(corpus.judged)} GPT-4 code models in {corpus.wall_s:.1f} s with {where}")
        print("authors' outcome -> ours:")
        for (recorded, kind), count in sorted(mapping.items()):
            print(f"  {recorded:<24} -> {kind.value:<16} {count}")
        rescued = mapping[("1_import_error", OK)]
        print(f"authors' import errors that run after extraction: {rescued} of 142")
    assert dict(mapping) == EXPECTED_MAPPING


def test_rescued_import_errors_were_replies_with_prose(corpus: Corpus) -> None:
    rescued = [j for j in corpus.judged if j.recorded == "1_import_error" and j.score.ok]
    assert rescued
    assert all(j.score.extracted for j in rescued)
    assert all(0.0 <= j.score.metrics["auc"] <= 1.0 for j in rescued)
