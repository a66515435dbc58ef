"""bench/rounds.py: a scenario is judged on its median round, and no round's errors are lost."""

from bench.rounds import bracketed, combine, with_ratios


def _round(bare: float, page: float, page_errors: int = 0) -> list[dict]:
    return [
        {"name": "bare", "requests_per_s": bare, "errors": 0},
        {"name": "code page", "requests_per_s": page, "errors": page_errors},
    ]


def _measured(*rounds: list[dict], closing: float | None = None) -> list[list[dict]]:
    """Rounds whose bare runs stay where they were (closing: the last round's opening again)."""
    last = rounds[-1][0]["requests_per_s"] if closing is None else closing
    return bracketed(list(rounds), {"name": "bare", "requests_per_s": last, "errors": 0})


def test_each_round_is_judged_against_its_own_bare_and_the_median_round_is_shown():
    # Each round between bare runs of 4000 and 4000, 5000 and 5000, 4500 and 4500: 0.30, 0.20, 0.28.
    rounds = [_round(4000, 1200), _round(5000, 1000), _round(4500, 1260)]
    rounds = bracketed(rounds, {"name": "bare", "requests_per_s": 4500, "errors": 0})
    bare, page = combine(rounds)
    assert [r[1]["ratio_to_bare"] for r in rounds] == [round(1200 / 4500, 3), round(1000 / 4750, 3), 0.28]
    assert [r[1]["ratio_to_bare_before"] for r in rounds] == [0.3, 0.2, 0.28]
    assert page["round_ratios"] == [0.267, 0.211, 0.28]
    assert page["ratio_to_bare"] == 0.267 and page["requests_per_s"] == 1200 and page["chosen_round"] == 1
    assert bare["requests_per_s"] == 4500 and bare["chosen_round"] == 3
    assert bare["round_requests_per_s"] == [4000, 5000, 4500]


def test_errors_of_every_round_count_not_only_the_median_rounds():
    _bare, page = combine(_measured(_round(4000, 1200), _round(4000, 1000, page_errors=3), _round(4000, 1100)))
    assert page["chosen_round"] == 3 and page["errors"] == 3 and page["round_errors"] == [0, 3, 0]


def test_a_variant_is_judged_against_the_bare_run_that_opened_it():
    records = with_ratios([*_round(4000, 1200), {"name": "verify API", "error": "gave 500"}])
    assert [r.get("ratio_to_bare") for r in records] == [1.0, 0.3, None]


def test_an_even_number_of_rounds_takes_the_lower_middle():
    _bare, page = combine(_measured(_round(1000, 300), _round(1000, 200)))
    assert page["ratio_to_bare"] == 0.2


def test_a_round_is_judged_against_the_bare_runs_on_both_sides():
    """The machine slowed down during the round: the bare run after it is half the one before."""
    rounds = _measured(_round(4000, 1500), closing=2000)
    assert rounds[0][1]["ratio_to_bare"] == 0.5 and rounds[0][1]["ratio_to_bare_before"] == 0.375
    assert rounds[0][0]["ratio_to_bare"] == 1.0


def test_a_round_whose_bare_run_failed_is_judged_against_the_next_bare_run():
    rounds = [_round(4000, 1200), _round(4000, 1000), _round(4000, 1100)]
    rounds[1][0] = {"name": "bare", "error": "check request: GET /bench/bare gave 500; not load-tested"}
    bracketed(rounds, {"name": "bare", "requests_per_s": 4000, "errors": 0})
    bare, page = combine(rounds)
    assert [r[1]["ratio_to_bare"] for r in rounds] == [0.3, 0.25, 0.275]  # round 1: against round 3's bare alone
    assert bare["failed_rounds"] == {2: "check request: GET /bench/bare gave 500; not load-tested"}
    assert bare["round_requests_per_s"] == [4000, None, 4000]
    assert page["failed_rounds"] == {} and page["ratio_to_bare"] == 0.275


def test_a_scenario_not_measured_in_one_round_is_judged_on_the_others_and_the_round_is_named():
    rounds = [_round(4000, 1200), _round(4000, 1000), _round(4000, 1100)]
    rounds[0][1] = {"name": "code page", "error": "gave 500"}
    _bare, page = combine(_measured(*rounds))
    assert page["failed_rounds"] == {1: "gave 500"} and page["round_ratios"] == [None, 0.25, 0.275]
    assert page["chosen_round"] == 2  # the lower middle of the two measured
    _bare, never = combine(_measured(*[[r[0], {"name": "code page", "error": "gave 500"}] for r in rounds]))
    assert never["error"] == "gave 500" and set(never["failed_rounds"]) == {1, 2, 3}
