"""scikit-learn estimators over the refinement loop: ``fit`` runs ``refine()``, ``predict`` runs the
selected code model in the sandbox.

inputs (X, y -> frames) -> params (-> RefineConfig) -> base (fit / save / load) -> prediction (sandbox)
-> classifier, regressor; model_file reads and writes best_model.py.
"""

from ibl_agents.estimators.classifier import IBLClassifier
from ibl_agents.estimators.regressor import IBLRegressor

__all__ = ["IBLClassifier", "IBLRegressor"]
