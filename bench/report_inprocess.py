"""RESULTS.md's in-process sections: one QR, one token, one code page taken apart."""

from __future__ import annotations

from bench.common import ratio
from bench.report_common import timing_row


def inprocess_lines(results: dict) -> list[str]:
    """The QR and token timings with where `qr.svg` spends its time, then the code page's parts."""
    q = results["inprocess"]["qr"]
    t = results["inprocess"]["token"]
    met = q["svg"]["median_ms"] <= q["target_ms"] and q["svg"]["p95_ms"] <= q["target_ms"]
    lines = [
        "",
        "## One QR, in-process",
        "",
        f"A real token issued for the demo citizen's code ({q['token_length']} characters) gives a version "
        f"{q['qr_version']} QR, error correction {q['error_correction']}, {q['modules_with_quiet_zone']} modules "
        "with the quiet zone.",
        "",
        "| What | Runs | Median (ms) | p95 (ms) |",
        "|---|---:|---:|---:|",
        timing_row(f"`healthcode.qr.svg(token)`: fixed mask {q['fixed_mask']}, SVG path", q["svg"]),
        timing_row("of which the module matrix (`qr.matrix`)", q["matrix_only"]),
        timing_row("qrcode's default mask search, same data, matrix only", q["default_mask_search_matrix"]),
        timing_row("`healthcode.tokens.issue` (Ed25519 sign)", t["issue"]),
        timing_row("`healthcode.tokens.verify`", t["verify"]),
        "",
        f"Target: one QR in {q['target_ms']:.0f} ms or less. "
        + (
            f"**Met**: median {q['svg']['median_ms']:.2f} ms, p95 {q['svg']['p95_ms']:.2f} ms"
            if met
            else f"**Not met**: median {q['svg']['median_ms']:.2f} ms, p95 {q['svg']['p95_ms']:.2f} ms"
        )
        + f"; {ratio(q['default_mask_search_matrix']['median_ms'], q['svg']['median_ms']) or 0:.1f}x faster than "
        "the default mask search (which builds and scores all eight masks). Building the SVG path from the "
        f"matrix takes {q['svg_path_building_ms']:.2f} ms of the median.",
        "",
        "Where `qr.svg` spends its time (cProfile, own time, which inflates small calls):",
        "",
        "| Function | Share | Calls per QR |",
        "|---|---:|---:|",
    ]
    for row in q["profile"]:
        lines.append(f"| `{row['module']}/{row['function']}` | {row['share'] * 100:.0f}% | {row['calls_per_qr']:g} |")

    a = results["inprocess"]["code_page_inprocess"]
    lines += ["", "## One code page, in-process", ""]
    page = a.get("code page")
    if page:
        lines += [
            f"The Django test client, {a['runs']} requests each, no HTTP server or network: what one request "
            "costs inside Django, with the code page's parts timed inside the same requests (medians, so "
            "they add up to about the whole; the QR inside a request can cost more than in the tight loop "
            "above, with colder CPU caches).",
            "",
            "| Part | ms per request (median) | Share |",
            "|---|---:|---:|",
            f"| bare view, whole request (for comparison) | {a['bare']['median_ms']:.3f} | |",
            f"| **code page, whole request** (p95 {page['p95_ms']:.3f}) | {page['median_ms']:.3f} | 100% |",
        ]
        for row in page["parts"]:
            seen = "calls_per_request" not in row or row["calls_per_request"] > 0
            label = row["part"] if seen else f"{row['part']}: not seen (renamed?)"
            lines.append(f"| {label} | {row['median_ms']:.3f} | {row['median_ms'] / page['median_ms'] * 100:.0f}% |")
        lines.append(
            f"| SQL inside the parts above ({page['sql_queries_per_request']:g} queries; mean) | "
            f"{page['sql_ms_per_request_mean']:.3f} | |"
        )
    else:
        lines.append(f"Not measured: {a.get('error', a)}.")
    if results["inprocess"]["notes"]:
        lines += ["", "Notes:", ""] + [f"- {note}" for note in results["inprocess"]["notes"]]
    return lines
