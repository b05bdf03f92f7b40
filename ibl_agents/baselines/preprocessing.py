"""The one preprocessing every baseline shares, so differences come from the learner, not the encoding."""

from __future__ import annotations

import numpy as np
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def preprocessing() -> ColumnTransformer:
    """Median-impute and scale numbers; fill and one-hot everything else (unseen categories -> all zeros).

    ``keep_empty_features`` keeps a column that is entirely missing in a 10-row train set (as a constant)
    instead of dropping it with a warning: the test rows still have it.
    """
    numeric = make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler())
    categorical = make_pipeline(
        SimpleImputer(strategy="most_frequent", keep_empty_features=True),
        OneHotEncoder(handle_unknown="ignore"),
    )
    return ColumnTransformer(
        [
            ("numeric", numeric, make_column_selector(dtype_include=np.number)),
            ("categorical", categorical, make_column_selector(dtype_exclude=np.number)),
        ]
    )


# Gradient boosting for 10-100 rows, classifier and regressor alike: the default (100 depth-3 trees on
# every row) fits the rows exactly; fewer, shallower trees on seeded 80 % subsamples stay smooth.
SMALL_DATA_BOOSTING = {
    "n_estimators": 50,
    "max_depth": 2,
    "learning_rate": 0.1,
    "subsample": 0.8,
    "random_state": 0,
}
