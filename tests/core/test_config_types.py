"""Config values are type-checked on load: what is accepted, and what each refusal names."""

from __future__ import annotations

import pytest

from ibl_agents.config import config_from_mapping
from ibl_agents.errors import ConfigError


def test_values_of_the_declared_types_load_and_whole_numbers_widen_to_floats() -> None:
    config = config_from_mapping(
        {
            "models": {"temperature": 1, "critic": None},
            "loop": {"max_iters": 3, "feedback": ["tracebacks"], "max_cost": 2},
            "data": {"drop_leaks": True},
        }
    )
    assert config.models.temperature == 1.0 and isinstance(config.models.temperature, float)
    assert isinstance(config.loop.max_cost, float) and config.loop.feedback == ["tracebacks"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"loop": {"max_iters": True}}, "loop.max_iters must be a whole number, not True (a boolean)"),
        ({"loop": {"feedback": ["critic", 1]}}, "loop.feedback must be a list of strings, not ['critic', 1]"),
        ({"loop": {"strategy": 3}}, "loop.strategy must be one of refine, best-of-n, one-shot, not 3"),
        ({"data": {"train_rows": "40"}}, "data.train_rows must be a whole number, not '40' (a string)"),
        ({"name": 5}, "name must be a string, not 5 (a whole number)"),
        ({"models": {"temperature": None}}, "models.temperature must be a number, not None"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_by_name(values: dict, message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        config_from_mapping(values)
    assert str(refused.value).startswith(message)
