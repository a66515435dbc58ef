"""bench/rounds.py: a scenario is judged on its median round, and no round's errors are lost."""

from bench.rounds import combine, with_ratios


def _round(bare: float, page: float, page_errors: int = 0) -> list[dict]:
    return with_ratios(
        [
            {"name": "bare", "requests_per_s": bare, "errors": 0},
            {"name": "code page", "requests_per_s": page, "errors": page_errors},
        ]
    )


def test_each_round_is_judged_against_its_own_bare_and_the_median_round_is_shown():
    rounds = [_round(4000, 1200), _round(5000, 1000), _round(4500, 1260)]  # 0.30, 0.20, 0.28
    bare, page = combine(rounds)
    assert page["round_ratios"] == [0.3, 0.2, 0.28]
    assert page["ratio_to_bare"] == 0.28 and page["requests_per_s"] == 1260 and page["chosen_round"] == 3
    assert bare["requests_per_s"] == 4500 and bare["chosen_round"] == 3
    assert bare["round_requests_per_s"] == [4000, 5000, 4500]


def test_errors_of_every_round_count_not_only_the_median_rounds():
    bare, page = combine([_round(4000, 1200), _round(4000, 1000, page_errors=3), _round(4000, 1100)])
    assert page["chosen_round"] == 3 and page["errors"] == 3 and page["round_errors"] == [0, 3, 0]


def test_a_round_that_could_not_measure_keeps_its_error():
    broken = [{"name": "bare", "requests_per_s": 4000, "errors": 0}, {"name": "code page", "error": "gave 500"}]
    _bare, page = combine([_round(4000, 1200), with_ratios(broken)])
    assert page["error"] == "gave 500" and page["rounds"] == 2


def test_an_even_number_of_rounds_takes_the_lower_middle():
    _bare, page = combine([_round(1000, 300), _round(1000, 200)])
    assert page["ratio_to_bare"] == 0.2
