"""Baselines fitted on exactly the rows the LLM saw, so every code model has a yardstick beside it.

Logistic regression is the paper's comparison; preprocessing (one-hot categoricals, median imputation,
scaling) is the minimum that lets it run on any table the loop accepts.
"""

from __future__ import annotations

import numpy as np
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ibl_agents.dataset import Dataset
from ibl_agents.scoring import metrics
from ibl_agents.splits import Splits


def logistic_regression() -> Pipeline:
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categorical = make_pipeline(
        SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
    )
    columns = ColumnTransformer(
        [
            ("numeric", numeric, make_column_selector(dtype_include=np.number)),
            ("categorical", categorical, make_column_selector(dtype_exclude=np.number)),
        ]
    )
    return make_pipeline(columns, LogisticRegression(max_iter=1000))


def baseline_scores(dataset: Dataset, splits: Splits) -> dict[str, dict[str, float]]:
    """Fit on the train rows; score on pooled validation and on the locked test split."""
    model = logistic_regression()
    features, labels = dataset.frame, dataset.y.to_numpy()
    model.fit(features.iloc[splits.train], labels[splits.train])
    scores = {}
    for name, rows in (("validation", splits.validation), ("test", splits.test)):
        probabilities = model.predict_proba(features.iloc[rows])[:, 1]
        scores[name] = metrics(labels[rows], probabilities)
    return {"logistic_regression": scores}
