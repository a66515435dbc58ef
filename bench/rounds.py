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
        base = (before + after) / 2 if before and after else before
        for record in records[1:]:
            record["ratio_to_bare"] = ratio(record.get("requests_per_s"), base)
            record["ratio_to_bare_before"] = ratio(record.get("requests_per_s"), before)
            record["bare_after_requests_per_s"] = after
        records[0]["ratio_to_bare"] = 1.0 if before else None
    return rounds


def _median_round(records: list[dict], key: str) -> int:
    """The index of the record with the median value of `key` (the lower of the two middle ones)."""
    ordered = sorted(range(len(records)), key=lambda i: records[i][key])
    return ordered[(len(ordered) - 1) // 2]


def combine(rounds: list[list[dict]]) -> list[dict]:
    """Per scenario (the same order in every round): the record of its median round, with every
    round's ratio and requests/s beside it and the errors of all rounds added up. A scenario that
    could not be measured in some round keeps that round's error."""
    combined = []
    for index, first in enumerate(rounds[0]):
        records = [records[index] for records in rounds]
        failed = [r for r in records if "error" in r or r.get("requests_per_s") is None]
        if failed:
            combined.append({**failed[0], "rounds": len(records)})
            continue
        key = "requests_per_s" if index == 0 else "ratio_to_bare"
        median = _median_round(records, key)
        chosen = dict(records[median])
        chosen.update(
            rounds=len(records),
            chosen_round=median + 1,
            round_ratios=[r.get("ratio_to_bare") for r in records],
            round_requests_per_s=[r["requests_per_s"] for r in records],
            round_errors=[r["errors"] for r in records],
            errors=sum(r["errors"] for r in records),
        )
        assert chosen["name"] == first["name"]
        combined.append(chosen)
    return combined
