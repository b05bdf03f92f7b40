"""Fakes at the LLM boundary for the estimator tests: chat-model factories for ``chat_models=``.

Factories are module-level functions so that estimators holding them can be pickled and hashed, as
sklearn's checks do with every parameter.
"""

from __future__ import annotations

from ibl_agents.models.providers import ChatModels
from ibl_agents.models.scripted import ScriptedChatModel
from tests.fakes import fenced

# Competent replies for any table with numeric features, one per task, built on the constants the
# generator prompt of that task states (ibl_agents/prompts/constants.py) and the loop defines for the code
# when it uses them without copying them. Binary: the prompt's example term summed over every column
# (nearest centroid in standardized units).
CENTROID = """
import numpy as np

def predict(df):
    score = np.zeros(len(df))
    for column, separation in SEPARATION.items():
        values = df[column].astype(float).fillna(MIDPOINT[column]).to_numpy()
        score += separation * (values - MIDPOINT[column]) / SPREAD[column]
    return 1.0 / (1.0 + np.exp(-np.clip(score, -30, 30)))
"""
# Multiclass: a softmax over minus half the squared standardized distance to each class's centroid.
CENTROIDS = """
import numpy as np

def predict(df):
    scores = np.zeros((len(df), len(CLASSES)))
    for k, name in enumerate(CLASSES):
        for column, centre in MEAN_BY_CLASS[name].items():
            spread = SPREAD[column] if SPREAD[column] > 0 else 1.0
            values = df[column].astype(float).fillna(centre).to_numpy()
            scores[:, k] -= ((values - centre) / spread) ** 2 / 2
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
"""
# Regression: the sum of each feature's correlation-weighted standardized term, in the target's units.
LINEAR = """
import numpy as np

def predict(df):
    z = np.zeros(len(df))
    for column, r in CORRELATION.items():
        spread = SPREAD[column] if SPREAD[column] > 0 else 1.0
        z += r * (df[column].astype(float).fillna(MEAN[column]).to_numpy() - MEAN[column]) / spread
    return TARGET_MEAN + TARGET_SPREAD * z
"""
CRITIC = "- keep the rule"


def scripted(*codes: str) -> ChatModels:
    """Generator replies with ``codes`` in order (the last repeats); the critic always says the same."""
    generator = ScriptedChatModel(script=[fenced(code) for code in codes])
    return ChatModels(generator, ScriptedChatModel(script=[CRITIC]), "scripted", "scripted-critic")


def centroid_models() -> ChatModels:
    return scripted(CENTROID)


def competent_reply(prompt: str) -> str:
    """The reply for the task the prompt states, recognised by its constants."""
    if "MEAN_BY_CLASS" in prompt:
        return fenced(CENTROIDS)
    return fenced(LINEAR if "TARGET_MEAN" in prompt else CENTROID)


def competent_models() -> ChatModels:
    """A generator that writes a sound model for the task it is asked (binary, multiclass, regression)."""
    generator = ScriptedChatModel(script=[competent_reply])
    return ChatModels(generator, ScriptedChatModel(script=[CRITIC]), "scripted", "scripted-critic")
