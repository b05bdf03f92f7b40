"""Datasets an experiment generates instead of reading: moons, circles and xor, one split per seed.

::

    datasets:
      - name: moons
        generate: {kind: moons, noise: 0.05, rows: 300, test_rows: 300}
        seeds: {first: 100, count: 20}       # 20 splits; or a list of seeds
        train_rows: [40]

Each seed gives a train and a test CSV laid out like the IBL paper's moons split files, so the same prompts
apply: columns ``Feature_1``, ``Feature_2`` and ``target``, values rounded to 3 decimals, labels interleaved
1, 0, 1, 0, ... (so the first n rows shown hold both classes alike), half of the rows in each class. A
seed's train and test rows are independent draws (two child streams of the seed), and no two seeds share
a stream, so every split is independent of every other.

- ``moons``: ``sklearn.datasets.make_moons``; ``circles``: ``make_circles`` (inner radius 0.8, sklearn's
  default factor); ``xor``: two features uniform in [-1, 1], label 1 where x1 * x2 > 0.
- ``noise`` is, for all three kinds, the standard deviation of Gaussian noise added to the features; no
  label is flipped (xor's label is set from the features before the noise).

Files go to ``<experiment dir>/data/<name>-s<seed>-<digest>-{train,test}.csv``, the digest being of the
two files' content. The same seed and settings give the same bytes and so the same paths; the paths are
part of each cell's config and fingerprint, so a rerun resumes, while changed settings (or another sklearn
drawing other rows) give new paths, and the finished cells of the old data are refused as stale instead of
being mixed in.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.datasets import make_circles, make_moons

from ibl_agents.loop.artifacts import write_text

if TYPE_CHECKING:
    from ibl_agents.experiment.config import ExperimentConfig

KINDS = ("moons", "circles", "xor")
FEATURES = ("Feature_1", "Feature_2")  # the paper's moons files
TARGET = "target"
DECIMALS = 3
ROWS = 300  # the paper's files: 300 train and 300 test rows per seed


@dataclass(frozen=True)
class GeneratedData:
    """What a dataset entry's ``generate:`` asks for; ``files(seed)`` is one split."""

    kind: str  # one of KINDS
    noise: float  # std of the Gaussian noise added to the features
    rows: int = ROWS  # train file (shown rows first, the rest validate)
    test_rows: int = ROWS  # locked test file

    def files(self, seed: int) -> tuple[str, str]:
        """The train and the test CSV text of the split ``seed``."""
        train, test = np.random.SeedSequence(seed).spawn(2)
        return _csv(*self._draw(self.rows, train)), _csv(*self._draw(self.test_rows, test))

    def _draw(self, rows: int, stream: np.random.SeedSequence) -> tuple[np.ndarray, np.ndarray]:
        random_state = np.random.RandomState(np.random.MT19937(stream))
        if self.kind == "moons":
            return make_moons(rows, noise=self.noise, random_state=random_state)
        if self.kind == "circles":
            return make_circles(rows, noise=self.noise, random_state=random_state)
        labels = np.arange(rows) % 2
        sign = random_state.choice([-1.0, 1.0], rows)
        quadrant = np.column_stack([sign, np.where(labels == 1, sign, -sign)])  # same signs: x1 * x2 > 0
        features = random_state.uniform(0, 1, (rows, 2)) * quadrant
        return features + random_state.normal(scale=self.noise, size=(rows, 2)), labels


def place_generated(
    experiment: ExperimentConfig, directory: Path
) -> tuple[ExperimentConfig, dict[Path, str]]:
    """The experiment with its generated datasets' paths set under ``directory``, and the files to write
    there (path -> CSV text); nothing is written yet, so a config that fails later leaves no files."""
    files: dict[Path, str] = {}
    datasets = []
    for spec in experiment.datasets:
        if spec.generated is None or spec.seed is None:
            datasets.append(spec)
            continue
        train, test = spec.generated.files(spec.seed)
        digest = hashlib.sha256(f"{train}\n{test}".encode()).hexdigest()[:12]
        stem = directory / "data" / f"{spec.name}-s{spec.seed}-{digest}"
        paths = {"path": Path(f"{stem}-train.csv"), "test_path": Path(f"{stem}-test.csv")}
        files |= {paths["path"]: train, paths["test_path"]: test}
        data = spec.data | {key: str(path) for key, path in paths.items()}
        datasets.append(dataclasses.replace(spec, data=data))
    return dataclasses.replace(experiment, datasets=tuple(datasets)), files


def write_generated(files: dict[Path, str]) -> None:
    """Write the files ``place_generated`` named; a file already there has these bytes (its name holds
    their digest) and is left alone."""
    for path, text in files.items():
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text(path, text)


def _csv(features: np.ndarray, labels: np.ndarray) -> str:
    """Rows in the order 1, 0, 1, 0, ...: by rank within the class, the positive class first."""
    labels = np.asarray(labels, dtype=int)
    rank = np.zeros(len(labels), dtype=int)
    for label in (0, 1):
        members = np.flatnonzero(labels == label)
        rank[members] = np.arange(len(members))
    order = np.lexsort((1 - labels, rank))
    frame = pd.DataFrame(np.round(features[order], DECIMALS) + 0.0, columns=list(FEATURES))  # + 0.0: no -0.0
    frame[TARGET] = labels[order]
    return frame.to_csv(index=False, lineterminator="\n")
