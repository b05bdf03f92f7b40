"""Fakes at the LLM boundary for the estimator tests: chat-model factories for ``chat_models=``.

Factories are module-level functions so that estimators holding them can be pickled and hashed, as
sklearn's checks do with every parameter.
"""

from __future__ import annotations

from ibl_agents.providers import ChatModels
from tests.fakes import ScriptedChatModel, fenced

# A competent reply for any table with numeric features: a nearest-centroid rule in standardized units,
# built on the constants every generator prompt states (MEAN_WHEN_1, MEAN_WHEN_0, SPREAD) and the loop
# defines for the code when it uses them without copying them.
CENTROID = """
import numpy as np

def predict(df):
    score = np.zeros(len(df))
    for column, high in MEAN_WHEN_1.items():
        low = MEAN_WHEN_0[column]
        spread = SPREAD[column] if SPREAD[column] > 0 else 1.0
        values = df[column].astype(float).fillna((high + low) / 2).to_numpy()
        score += (high - low) / spread**2 * (values - (high + low) / 2)
    return 1.0 / (1.0 + np.exp(-np.clip(score, -30, 30)))
"""
CRITIC = "- keep the centroid rule"


def scripted(*codes: str) -> ChatModels:
    """Generator replies with ``codes`` in order (the last repeats); the critic always says the same."""
    generator = ScriptedChatModel(script=[fenced(code) for code in codes])
    return ChatModels(generator, ScriptedChatModel(script=[CRITIC]), "scripted", "scripted-critic")


def centroid_models() -> ChatModels:
    return scripted(CENTROID)
