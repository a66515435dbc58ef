"""Several rounds of the scenarios at one size, and the one record per scenario the tables show.

One 10-second run per scenario could not tell a target near its line from the machine's noise
(session 8: the code page 0.233 to 0.300 of the bare view, the gate API 0.34 to 0.48, with the
same code, across four full runs). So each size runs every scenario in BENCH_ROUNDS rounds,
each round opened by a bare run and the last closed by one; a round's ratios are to the mean
of the bare runs around it, and a scenario is judged on the median of its rounds' ratios.
Round 1's ratio to the bare run before it is what the bench measured until session 8.
"""

from __future__ import annotations

import os

from bench.common import env_int, ratio

ROUNDS = env_int("BENCH_ROUNDS", 3)
if ROUNDS < 1:
    raise SystemExit(f"BENCH_ROUNDS={os.environ['BENCH_ROUNDS']}: at least 1")


def with_ratios(records: list[dict]) -> list[dict]:
    """One list of runs: each scenario's requests/s over the bare run that opened it (records[0]).
    The variants use this; a size's rounds use `bracketed`."""
    base = records[0].get("requests_per_s")
    for record in records:
        record["ratio_to_bare"] = ratio(record.get("requests_per_s"), base)
    return records


def bracketed(rounds: list[list[dict]], closing: dict) -> list[list[dict]]:
    """A size's rounds, each opened by a bare run (records[0]), and the bare run that closes the
    last: each scenario's requests/s over the mean of the bare runs before and after its round.
    The machine drifts within a round (session 9: the bare view at 1 898 then 1 257 requests/s
    80 s later); the mean of the two ends estimates the baseline in between better than the
    first end alone, which is kept as `ratio_to_bare_before` (the method until session 8)."""
    ends = [records[0].get("requests_per_s") for records in rounds] + [closing.get("requests_per_s")]
    for index, records in enumerate(rounds):
        before, after = ends[index], ends[index + 1]
        base = (before + after) / 2 if before and after else before or after  # a bare run may fail
        for record in records[1:]:
            record["ratio_to_bare"] = ratio(record.get("requests_per_s"), base)
            record["ratio_to_bare_before"] = ratio(record.get("requests_per_s"), before)
            record["bare_after_requests_per_s"] = after
        records[0]["ratio_to_bare"] = 1.0 if before else None
    return rounds


def _measured(record: dict, index: int) -> bool:
    """A round in which the scenario (index 0: the bare view) was load-tested and has a ratio."""
    if "error" in record or not record.get("requests_per_s"):
        return False
    return index == 0 or record.get("ratio_to_bare") is not None


def combine(rounds: list[list[dict]]) -> list[dict]:
    """Per scenario (the same order in every round): the record of its median round among those
    that measured it (the lower of the two middle ones for an even count), with every round's
    ratio and requests/s beside it and the errors of all rounds added up. A round that could not
    measure it is listed in `failed_rounds` with its reason; with none measured, the first
    round's record (and its error) stands for the scenario."""
    combined = []
    for index, first in enumerate(rounds[0]):
        records = [records[index] for records in rounds]
        assert all(r["name"] == first["name"] for r in records)
        good = [i for i, r in enumerate(records) if _measured(r, index)]
        failed = {i + 1: r.get("error", "no ratio to the bare view") for i, r in enumerate(records) if i not in good}
        if not good:
            combined.append({**first, "rounds": len(records), "failed_rounds": failed})
            continue
        key = "requests_per_s" if index == 0 else "ratio_to_bare"
        median = sorted(good, key=lambda i: records[i][key])[(len(good) - 1) // 2]
        chosen = dict(records[median])
        chosen.update(
            rounds=len(records),
            chosen_round=median + 1,
            round_ratios=[r.get("ratio_to_bare") if i in good else None for i, r in enumerate(records)],
            round_requests_per_s=[r.get("requests_per_s") for r in records],
            round_errors=[r.get("errors", 0) for r in records],
            errors=sum(r.get("errors", 0) for r in records),
            failed_rounds=failed,
        )
        combined.append(chosen)
    return combined
