#!/usr/bin/env python3
"""P5 against the distro's own Python, interleaved so this noisy VM can still show a few per cent.

Whole-run A-then-B comparisons cannot: Debian's python3.14 measured twice ten minutes apart differed by 13%
here. So every interpreter runs in one container, and per round and benchmark in ABBA order (A B C C B A):
a neighbour's burst or a thermal drift lands on every interpreter alike. Then:

- per round: each benchmark's speed ratio = distro's median time / ours (above 1: faster than the distro),
  and the round's geometric mean over the benchmarks;
- overall: the per-benchmark ratio of the medians of all rounds' values, and its geometric mean;
- spread: the lowest and highest round geometric mean. A gain is claimed only where the spread excludes 1.0.

  run     --image TAG --minor 3.14 --variant LABEL=DEBS_DIR [...] [--override LABEL=DIR] [--rounds 3]
          [--benchmarks a,b,...] [--threads] --out DIR
          the distro's pythonX.Y ("distro") and each variant's .debs (main and, if there, the free-threaded
          add-on: LABEL-ft), in the distro's build image (any `doit build` for that distro made it);
          --threads: then the threads loop (docker/bench/threads.py) with each, in ABBA order, 3 rounds;
          --no-distro: without the distro's python (e.g. 3.14 on trixie), the variants against each other
  report  --out DIR --line 3.14 --distro-name "Debian forky python3.14 3.14.8" [--publish DIR] [--pair A:B]
          the tables, summary.json in DIR, and with --publish: p5-summary.json plus the charts
          (matplotlib: pip install -r bench/requirements.txt). p5-summary.json also gets "free_threaded"
          (each LABEL-ft single-threaded against LABEL: a time ratio, above 1 = slower; PEP 779's bar was
          1.15), "pairs" (each --pair: the second build's speed against the first's) and "threads_loop"
          (best wall seconds per thread count, and the throughput with every core)

Needs a running Docker engine and the package registry reachable through the host's proxy (pip installs
pyperformance's benchmark scripts and pyperf).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_speed import geomean  # noqa: E402  (the one geometric mean of the bench scripts)

CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
PYPERFORMANCE = "1.14.0"
# Pure-Python, interpreter-bound benchmarks; about 8 s each per run with --fast on 2 cores.
BENCHMARKS = ("chaos", "deltablue", "fannkuch", "float", "go", "hexiom", "nbody", "raytrace", "richards",
              "spectral_norm", "json_loads", "pickle_pure_python", "regex_compile", "generators")


def run(args: argparse.Namespace) -> None:
    import docker

    out = Path(args.out).resolve()
    if (out / "raw").exists():
        sys.exit(f"bench_abba: {out}/raw exists; choose another --out (results are never mixed)")
    out.mkdir(parents=True, exist_ok=True)
    volumes = {str(ROOT / "docker" / "bench"): {"bind": "/bench", "mode": "ro"},
               str(out): {"bind": "/out", "mode": "rw"}, CA_BUNDLE: {"bind": CA_BUNDLE, "mode": "ro"}}
    staging = out / "debs"
    for entry in args.variant:
        label, _, directory = entry.partition("=")
        if not label.replace("-", "").replace("_", "").isalnum() or label == "distro" or not directory:
            sys.exit(f"bench_abba: --variant {entry!r}: give LABEL=DEBS_DIR (LABEL: letters, digits, - and _)")
        chosen = [p for p in sorted(Path(directory).glob("*.deb")) if "dbgsym" not in p.name]
        if not chosen:
            sys.exit(f"bench_abba: no .deb in {directory}")
        (staging / label).mkdir(parents=True)
        for deb in chosen:
            shutil.copy2(deb, staging / label / deb.name)
        override = dict(o.split("=", 1) for o in args.override).get(label)
        if override:  # e.g. a BOLT build's python.prebolt as opt/python/python3.14/bin/python3.14
            shutil.copytree(override, staging / label / "override", symlinks=True)
        volumes[str(staging / label)] = {"bind": f"/variants/{label}", "mode": "ro"}
    client = docker.from_env()
    container = client.containers.run(
        args.image, ["bash", "/bench/abba.sh"], detach=True, network_mode="host", volumes=volumes,
        environment={"PB_MINOR": args.minor, "PB_BENCHMARKS": ",".join(args.benchmarks), "PB_ROUNDS": str(args.rounds),
                     "PB_PYPERFORMANCE": PYPERFORMANCE, "PIP_CERT": CA_BUNDLE,
                     "PB_THREADS": "1" if args.threads else "", "PB_NO_DISTRO": "1" if args.no_distro else "",
                     "PB_OWNER": f"{os.getuid()}:{os.getgid()}"},
        user="0:0", labels={"python-builder.bench": "abba"})
    try:
        with (out / "run.log").open("wb") as log:
            for chunk in container.logs(stream=True, follow=True):
                log.write(chunk)
                sys.stdout.buffer.write(chunk)
                sys.stdout.flush()
        status = container.wait()["StatusCode"]
    finally:
        container.remove(force=True)
    shutil.rmtree(staging)
    if status != 0:
        sys.exit(f"bench_abba: the benchmark container exited {status}; see {out / 'run.log'}")
    (out / "settings.json").write_text(json.dumps({"image": args.image, "minor": args.minor, "rounds": args.rounds,
                                                   "benchmarks": list(args.benchmarks), "variants": args.variant,
                                                   "threads": args.threads, "no_distro": args.no_distro,
                                                   "pyperformance": PYPERFORMANCE},
                                                  indent=2) + "\n")


# --- report ---------------------------------------------------------------------------------------------


def values_of(path: Path) -> dict[str, list[float]]:
    """Every timing value per benchmark name of one pyperf JSON file (a benchmark may hold several)."""
    data = json.loads(path.read_text())
    result: dict[str, list[float]] = {}
    for bench in data["benchmarks"]:
        name = bench.get("metadata", {}).get("name") or data["metadata"]["name"]
        result.setdefault(name, []).extend(v for r in bench.get("runs", []) for v in r.get("values", []))
    return result


def collect(out: Path) -> dict[int, dict[str, dict[str, list[float]]]]:
    """round -> label -> benchmark -> values (both legs of the round pooled)."""
    rounds: dict[int, dict[str, dict[str, list[float]]]] = {}
    for path in sorted((out / "raw").glob("r*/*/*.json")):
        round_, label = int(path.parent.parent.name[1:]), path.parent.name
        for name, values in values_of(path).items():
            rounds.setdefault(round_, {}).setdefault(label, {}).setdefault(name, []).extend(values)
    return rounds


def speed_ratios(base: dict[str, list[float]], other: dict[str, list[float]]) -> dict[str, float]:
    """Per benchmark: base's median time / other's (above 1: other is faster)."""
    return {n: statistics.median(base[n]) / statistics.median(other[n]) for n in sorted(set(base) & set(other))
            if base[n] and other[n]}


def compare(rounds: dict[int, dict[str, dict[str, list[float]]]], base: str, other: str) -> dict:
    per_round = [geomean(list(speed_ratios(r[base], r[other]).values())) for _, r in sorted(rounds.items())
                 if base in r and other in r]
    pooled: dict[str, dict[str, list[float]]] = {base: {}, other: {}}
    for r in rounds.values():
        for label in (base, other):
            for name, values in r.get(label, {}).items():
                pooled[label].setdefault(name, []).extend(values)
    ratios = speed_ratios(pooled[base], pooled[other])
    spread = [round(min(per_round), 3), round(max(per_round), 3)] if per_round else []
    return {"speedup": round(geomean(list(ratios.values())), 3), "rounds": len(per_round),
            "per_round": [round(g, 3) for g in per_round], "spread": spread,
            # one round has no spread: nothing is claimed from it
            "significant": len(per_round) > 1 and (spread[0] > 1.0 or spread[1] < 1.0),
            "per_benchmark": {n: round(r, 3) for n, r in ratios.items()}}


def threads_table(out: Path) -> dict[str, dict]:
    """The threads loop per interpreter: the best wall time of all runs per thread count, and the throughput
    with every core against one thread (the same work per thread: N threads in the time of one = N x)."""
    runs: dict[str, list[dict]] = {}
    for path in sorted((out / "threads").glob("r*/*.json")):
        runs.setdefault(path.stem.rpartition("-")[0], []).append(json.loads(path.read_text()))
    table = {}
    for label, results in sorted(runs.items()):
        counts = sorted({int(n) for r in results for n in r["seconds"]})
        best = {str(n): min(r["seconds"][str(n)] for r in results if str(n) in r["seconds"]) for n in counts}
        top = str(counts[-1])
        table[label] = {"gil": results[0]["gil"], "runs": len(results), "seconds": best,
                        "gain": round(int(top) * best["1"] / best[top], 3)}
    return table


def kind(name: str) -> str:
    """What a comparison ("LABEL vs BASE") answers: "distro" (ours against the distro's python), "twin" (a
    free-threaded interpreter against its GIL twin, PEP 779's question) or "pair" (an asked --pair)."""
    label, _, base = name.partition(" vs ")
    return "distro" if base == "distro" else "twin" if label == f"{base}-ft" else "pair"


def free_threaded(summary: dict) -> list[dict]:
    """PEP 779's question: each free-threaded interpreter, single-threaded, against its GIL twin (time ratio:
    above 1 = slower; the bar for supported free-threading was 1.15)."""
    entries = []
    for name, result in summary["comparisons"].items():
        if kind(name) != "twin":
            continue
        label, _, base = name.partition(" vs ")
        slowdown = round(1 / result["speedup"], 3)
        spread = [round(1 / s, 3) for s in reversed(result["spread"])]
        entries.append({"ours": label, "against": base, "single_thread_time_ratio": slowdown, "spread": spread,
                        "within_pep779": spread[1] <= 1.15 if result["rounds"] > 1 else None})
    return entries


def pairs(summary: dict) -> list[dict]:
    """The --pair comparisons of two of our builds (speed of the second against the first: above 1 = faster)."""
    entries = []
    for name, result in summary["comparisons"].items():
        label, _, base = name.partition(" vs ")
        if kind(name) == "pair":
            entries.append({"ours": label, "against": base, "speedup": result["speedup"], "rounds": result["rounds"],
                            "spread": result["spread"], "significant": result["significant"]})
    return entries


def report(args: argparse.Namespace) -> dict:
    out = Path(args.out)
    rounds = collect(out)
    everyone = {label for r in rounds.values() for label in r}
    labels = sorted(everyone - {"distro"})
    versions = {p.stem: p.read_text().strip() for p in out.glob("*.version")}
    comparisons = {f"{label} vs distro": compare(rounds, "distro", label) for label in labels if "distro" in everyone}
    for label in labels:
        if label.endswith("-ft") and label[:-3] in labels:
            comparisons[f"{label} vs {label[:-3]}"] = compare(rounds, label[:-3], label)
    for pair in getattr(args, "pair", None) or []:  # --pair BASE:OTHER, e.g. pie:nopie
        base, _, other = pair.partition(":")
        if base not in everyone or other not in everyone:
            raise SystemExit(f"--pair {pair}: both labels must be among the run's: {', '.join(sorted(everyone))}")
        comparisons[f"{other} vs {base}"] = compare(rounds, base, other)
    print("speed ratio per benchmark, medians of all rounds (above 1.00 = faster than the baseline)")
    columns = list(comparisons)
    names = sorted({n for c in comparisons.values() for n in c["per_benchmark"]})
    print(f"{'benchmark':<22}" + "".join(f"{c:>30}" for c in columns))
    for name in names:
        print(f"{name:<22}" + "".join(f"{comparisons[c]['per_benchmark'].get(name, float('nan')):>30.3f}"
                                      for c in columns))
    print(f"{'geometric mean':<22}" + "".join(f"{comparisons[c]['speedup']:>30.3f}" for c in columns))
    print(f"{'spread over rounds':<22}" + "".join(f"{str(comparisons[c]['spread']):>30}" for c in columns))
    summary = {"versions": versions, "comparisons": comparisons, "threads": threads_table(out)}
    for label, row in summary["threads"].items():
        print(f"threads loop, {label}: " + ", ".join(f"{n} thread(s) {s:.2f} s" for n, s in row["seconds"].items())
              + f"; throughput with every core: {row['gain']:.2f}x one thread's")
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    if args.publish:
        publish(args, summary, Path(args.publish))
    return summary


def publish(args: argparse.Namespace, summary: dict, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    lines = []
    for name, result in summary["comparisons"].items():
        label, _, base = name.partition(" vs ")
        if kind(name) != "distro":
            continue
        lines.append({"line": args.line, "ours": f"{summary['versions'].get(label, label)} [{label}]",
                      "distro": args.distro_name, "speedup_vs_distro": result["speedup"],
                      "rounds": result["rounds"], "spread": result["spread"], "significant": result["significant"]})
    path = dest / "p5-summary.json"
    existing = json.loads(path.read_text()) if path.exists() else {"lines": []}
    kept = [entry for entry in existing["lines"] if entry["line"] != args.line or not lines]
    published = {**existing, "lines": kept + lines}
    if free_threaded(summary):
        published["free_threaded"] = [e for e in existing.get("free_threaded", []) if e["line"] != args.line] + \
            [{"line": args.line, **e} for e in free_threaded(summary)]
    if pairs(summary):
        published["pairs"] = [e for e in existing.get("pairs", []) if e["line"] != args.line] + \
            [{"line": args.line, **e} for e in pairs(summary)]
    if summary["threads"]:
        published["threads_loop"] = {**existing.get("threads_loop", {}), args.line: summary["threads"]}
    path.write_text(json.dumps(published, indent=2) + "\n")
    (dest / f"abba-{args.line}.json").write_text(json.dumps(summary, indent=2) + "\n")
    charts(summary, dest, args.line)


def charts(summary: dict, dest: Path, line: str) -> None:
    try:
        import matplotlib
    except ImportError:
        print("bench_abba: no matplotlib, no charts (pip install -r bench/requirements.txt)", file=sys.stderr)
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    vs_distro = {k.split(" vs ")[0]: v for k, v in summary["comparisons"].items() if k.endswith(" vs distro")}
    # one question per chart: ours against Debian, per benchmark
    for label, result in vs_distro.items():
        names = list(result["per_benchmark"])
        fig, ax = plt.subplots(figsize=(9, 0.32 * len(names) + 1.5))
        ratios = [result["per_benchmark"][n] for n in names]
        ax.barh(names, ratios, color=["tab:green" if r >= 1 else "tab:red" for r in ratios])
        _finish(plt, fig, ax, "speed relative to the distro's python (above 1 = ours faster)",
                f"{line}: {label} against the distro's python (geometric mean {result['speedup']:.3f})",
                dest / f"speed-{line}-{label}.png")
    # the variants as geometric-mean bars, with the spread across rounds
    items = list(summary["comparisons"].items())
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(items) + 1.5))
    means = [r["speedup"] for _, r in items]
    spreads = [r["spread"] or [r["speedup"], r["speedup"]] for _, r in items]
    # the overall ratio (medians of all rounds' values) can fall outside the rounds' own geometric means on a
    # noisy machine: the bar then shows no error on that side rather than a negative one
    low = [max(0.0, mean - lowest) for mean, (lowest, _) in zip(means, spreads, strict=True)]
    high = [max(0.0, highest - mean) for mean, (_, highest) in zip(means, spreads, strict=True)]
    ax.barh([k for k, _ in items], means, xerr=[low, high], capsize=4, color="tab:blue")
    _finish(plt, fig, ax, "geometric-mean speed ratio (bars: lowest and highest round)", f"{line}: variants",
            dest / f"variants-{line}.png")


def _finish(plt, fig, ax, xlabel: str, title: str, path: Path) -> None:
    """The line at 1.0 (level with the baseline), the labels, and the PNG."""
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run")
    p_run.add_argument("--image", required=True)
    p_run.add_argument("--minor", required=True)
    p_run.add_argument("--variant", action="append", default=[], required=True)
    p_run.add_argument("--override", action="append", default=[],
                       help="LABEL=DIR: files laid over that variant's extracted packages (paths below /)")
    p_run.add_argument("--rounds", type=int, default=3, choices=range(1, 10))
    p_run.add_argument("--benchmarks", type=lambda s: tuple(n for n in s.split(",") if n), default=BENCHMARKS,
                       help="comma-separated; empty: none (with --threads: the threads loop only)")
    p_run.add_argument("--threads", action="store_true", help="also the threads loop (docker/bench/threads.py)")
    p_run.add_argument("--no-distro", action="store_true",
                       help="no distro python (its archive lacks pythonX.Y): the variants against each other")
    p_run.add_argument("--out", required=True)
    p_report = sub.add_parser("report")
    p_report.add_argument("--out", required=True)
    p_report.add_argument("--line", required=True)
    p_report.add_argument("--distro-name", required=True)
    p_report.add_argument("--publish")
    p_report.add_argument("--pair", action="append", default=[],
                          help="BASE:OTHER (repeatable): also OTHER's speed against BASE, e.g. pie:nopie")
    args = parser.parse_args()
    run(args) if args.command == "run" else report(args)


if __name__ == "__main__":
    main()
