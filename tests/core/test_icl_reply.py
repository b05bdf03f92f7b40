"""Reading ICL replies: every shape a model wraps its answers in, and every way an answer goes wrong."""

from __future__ import annotations

import pytest

from ibl_agents.icl.reply import parse_probabilities


@pytest.mark.parametrize(
    "reply",
    [
        "1: 0.8\n2: 0.25\n3: .5",
        "Here are the probabilities:\n```\n1: 0.8\n2: 0.25\n3: 0.5\n```\nI hope this helps.",
        "Row 1: 0.8\nrow 2 - 0.25\nRow #3: probability 0.5",
        "- **1**: 0.8\n* 2: 0.25\n3. 0.5",
        "| row_id | probability |\n|---|---|\n| 1 | 0.8 |\n| 2 | 0.25 |\n| 3 | 0.5 |",
        '{"1": 0.8, "2": 0.25, "3": 0.5}',
        '{"row_id": 1, "probability": 0.8}\n{"row_id": 2, "probability": 0.25}\n{"row_id": 3, "p": 0.5}',
        "1: 0.8, 2: 0.25; 3: 0.5",
        "row_id,probability\n1,0.8\n2,0.25\n3,0.5",
        "1: 80%\n2: 25 %\n3: 50%",
        "1: p=0.8\n2: P = 0.25\n3: about 0.5",
        "1 0.8\n2\t0.25\n3 -> 5e-1",
        "3: 0.5\n1: 0.8\n2: 0.25",  # order of lines does not matter: ids do
    ],
)
def test_each_reply_shape_gives_the_same_answers(reply: str) -> None:
    assert parse_probabilities(reply, 3) == {1: 0.8, 2: 0.25, 3: 0.5}


def test_numbers_outside_the_probability_range_are_no_answer() -> None:
    reply = "1: 83\n2: 1.5\n3: -0.2\n4: 120%\n5: 0.5\n6: 1\n7: 0\n8: 100%"
    assert parse_probabilities(reply, 8) == {5: 0.5, 6: 1.0, 7: 0.0, 8: 1.0}


def test_ids_outside_the_call_are_ignored() -> None:
    assert parse_probabilities("0: 0.1\n1: 0.2\n2: 0.3\n12: 0.4", 2) == {1: 0.2, 2: 0.3}


def test_a_row_with_two_different_answers_is_missing_but_a_repeat_is_fine() -> None:
    reply = "1: 0.8\n2: 0.3\n1: 0.8\n2: 0.6\n3: 0.1\n3: 150%"
    assert parse_probabilities(reply, 3) == {1: 0.8, 3: 0.1}


def test_test_rows_copied_back_are_not_read_as_answers() -> None:
    reply = "1,0.342,-0.412\n2,0.65,0.787\n| 3, 0.5, 0.1\n3: 0.4"
    assert parse_probabilities(reply, 3) == {3: 0.4}


def test_prose_bare_numbers_and_words_give_nothing() -> None:
    reply = "There are 30 rows: see below\n0.8\n0.3\n1.0\n1: high\n2: likely (0.7)\n"
    assert parse_probabilities(reply, 3) == {}


def test_prose_after_an_answer_does_not_change_it() -> None:
    assert parse_probabilities("1: 0.2 (because x > 0.5)\n2: 0.9 since y = 0.1", 2) == {1: 0.2, 2: 0.9}


def test_an_empty_reply_answers_no_row() -> None:
    assert parse_probabilities("", 5) == {}
