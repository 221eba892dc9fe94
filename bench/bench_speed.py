#!/usr/bin/env python3
"""P5, the speed of what we built: pyperformance (a fixed subset) and a free-threaded scaling loop.

Each interpreter runs in its own throwaway container of the distro's build image, so no install disturbs
another: the distro's own pythonX.Y from its archive in one, our .debs in the other.

  run     --debs DIR --label NAME [--ft] [--distro-baseline]
          install the .debs of DIR (an optimized build, e.g. dist/trixie) and benchmark our pythonX.Y as
          NAME (and our pythonX.Yt as NAME-ft with --ft; plus the threads loop for both); with
          --distro-baseline, first the distro's own pythonX.Y as "distro"
  report  the table of per-benchmark time ratios against "distro" (and of NAME-ft against NAME, and of
          each --pair BASE:OTHER) with
          geometric means, the threads table, bench/results/speed.json and the PNG charts
          bench/results/speed.png and bench/results/threads.png (matplotlib: pip install -r bench/requirements.txt)

Results of `run` are kept under bench/results/speed/<label>.json (pyperf's format), so variants built at
different times (hardening modes, serial vs parallel PGO) are compared in one report.
Needs a running Docker engine, the build image of the distro (any `doit build` made it), and the package
registry reachable through the host's proxy (pip installs pyperformance and each benchmark's needs).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
RAW = RESULTS / "speed"
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
PYPERFORMANCE = "1.14.0"
# Pure-Python benchmarks with no third-party needs: about 6 minutes per interpreter with --fast on 2 cores.
BENCHMARKS = ("chaos", "deltablue", "fannkuch", "float", "go", "hexiom", "json_dumps", "json_loads",
              "logging", "nbody", "nqueens", "pathlib", "pickle_pure_python", "pyflate", "raytrace",
              "regex_compile", "richards", "spectral_norm", "sqlite_synth", "telco",
              "unpickle_pure_python", "generators", "coroutines", "deepcopy")


def build_image(distro: str) -> str:
    stamp = ROOT / "cache" / "images" / f"{distro}.json"
    if not stamp.exists():
        sys.exit(f"bench_speed: no build image for {distro}; run `doit build DISTRO={distro}` first")
    return json.loads(stamp.read_text())["tag"]


def run_container(image: str, environment: dict, debs: Path | None, log: Path) -> None:
    import docker

    client = docker.from_env()
    RAW.mkdir(parents=True, exist_ok=True)
    volumes = {str(ROOT / "docker" / "bench"): {"bind": "/bench", "mode": "ro"},
               str(RAW): {"bind": "/out", "mode": "rw"},
               CA_BUNDLE: {"bind": CA_BUNDLE, "mode": "ro"}}
    if debs is not None:
        volumes[str(debs.resolve())] = {"bind": "/debs", "mode": "ro"}
    container = client.containers.run(
        image, ["bash", "/bench/pyperformance.sh"], detach=True, network_mode="host", volumes=volumes,
        environment={**environment, "PIP_CERT": CA_BUNDLE, "PB_OWNER": f"{os.getuid()}:{os.getgid()}",
                     "PB_PYPERFORMANCE": PYPERFORMANCE},
        user="0:0", labels={"python-builder.bench": "speed"})
    try:
        with log.open("wb") as out:
            for chunk in container.logs(stream=True, follow=True):
                out.write(chunk)
        status = container.wait()["StatusCode"]
    finally:
        container.remove(force=True)
    if status != 0:
        sys.exit(f"bench_speed: the benchmark container exited {status}; see {log}")


def minor_of(debs: Path) -> str:
    names = sorted(p.name for p in debs.glob("*python3.*_*.deb") if "dbgsym" not in p.name)
    if not names:
        sys.exit(f"bench_speed: no .deb in {debs}")
    return names[0].split("_")[0].rsplit("python", 1)[1].rstrip("t")


def run(args: argparse.Namespace) -> None:
    debs = Path(args.debs)
    minor = minor_of(debs)
    image = build_image(args.distro)
    # a directory holding only this build's installable packages (no dbgsym, no older versions)
    version = args.version
    chosen = [p for p in sorted(debs.glob(f"*_{version}-*.deb")) if "dbgsym" not in p.name] if version else \
        [p for p in sorted(debs.glob("*.deb")) if "dbgsym" not in p.name]
    if not args.ft:
        chosen = [p for p in chosen if not p.name.split("_")[0].endswith("t")]
    staging = RESULTS / "debs" / args.label
    staging.mkdir(parents=True, exist_ok=True)
    for old in staging.glob("*.deb"):
        old.unlink()
    for deb in chosen:
        shutil.copy2(deb, staging / deb.name)
    common = {"PB_MINOR": minor, "PB_THREADS": "1" if args.ft else "",
              "PB_BENCHMARKS": "" if args.threads_only else args.benchmarks}
    if args.distro_baseline:
        print(f"bench_speed: the distro's python{minor}", flush=True)
        label = args.distro_label
        run_container(image, {**common, "PB_INSTALL": "distro", "PB_PYTHONS": f"{label}=/usr/bin/python{minor}"},
                      None, RESULTS / f"speed-{label}.log")
        if args.distro_only:
            return report(args)
    prefix = f"/opt/python/python{minor}/bin"
    pythons = f"{args.label}={prefix}/python{minor}"
    if args.ft:
        pythons += f" {args.label}-ft={prefix}/python{minor}t"
    print(f"bench_speed: ours ({', '.join(p.name for p in chosen)})", flush=True)
    run_container(image, {**common, "PB_INSTALL": "debs", "PB_PYTHONS": pythons}, staging,
                  RESULTS / f"speed-{args.label}.log")
    report(args)


# --- report ---------------------------------------------------------------------------------------------


def medians(path: Path) -> dict[str, float]:
    """Median seconds per benchmark of one pyperf JSON file. The median, not pyperf's mean: on a shared
    2-core machine a neighbour's burst makes a few values far slower, and the mean follows them."""
    data = json.loads(path.read_text())
    result = {}
    for bench in data["benchmarks"]:
        values = [v for run_ in bench.get("runs", []) for v in run_.get("values", [])]
        if values:
            result[bench.get("metadata", {}).get("name") or data["metadata"]["name"]] = statistics.median(values)
    return result


def geomean(ratios: list[float]) -> float:
    return math.exp(statistics.fmean(math.log(r) for r in ratios)) if ratios else float("nan")


def compare(base: dict[str, float], other: dict[str, float]) -> dict:
    common = sorted(set(base) & set(other))
    ratios = {name: other[name] / base[name] for name in common}
    return {"ratios": ratios, "geomean": geomean(list(ratios.values())), "benchmarks": len(common)}


def report(_args: argparse.Namespace | None = None) -> dict:
    results = {p.stem: medians(p) for p in sorted(RAW.glob("*.json")) if not p.name.endswith(".threads.json")}
    threads = {p.name[:-len(".threads.json")]: json.loads(p.read_text()) for p in sorted(RAW.glob("*.threads.json"))}
    summary: dict = {"pyperformance": PYPERFORMANCE, "benchmarks": list(BENCHMARKS), "comparisons": {},
                     "threads": threads}
    if "distro" in results:
        for label, values in results.items():
            if label != "distro":
                summary["comparisons"][f"{label} vs distro"] = compare(results["distro"], values)
    for pair in getattr(_args, "pair", None) or []:  # BASE:OTHER, e.g. two builds measured in one period
        base, _, other = pair.partition(":")
        missing = [label for label in (base, other) if label not in results]
        if missing:
            sys.exit(f"bench_speed report: no results for {', '.join(missing)} in {RAW}")
        summary["comparisons"][f"{other} vs {base}"] = compare(results[base], results[other])
    for label in results:
        if f"{label}-ft" in results:
            summary["comparisons"][f"{label}-ft vs {label}"] = compare(results[label], results[f"{label}-ft"])
    print("\nratio of median times per benchmark (below 1.00 = faster than the baseline)")
    names = sorted({n for c in summary["comparisons"].values() for n in c["ratios"]})
    columns = list(summary["comparisons"])
    print(f"{'benchmark':<22}" + "".join(f"{c:>26}" for c in columns))
    for name in names:
        print(f"{name:<22}" + "".join(
            f"{summary['comparisons'][c]['ratios'].get(name, float('nan')):>26.3f}" for c in columns))
    print(f"{'geometric mean':<22}" + "".join(f"{summary['comparisons'][c]['geomean']:>26.3f}" for c in columns))
    if threads:
        print("\nthreads loop: wall seconds for the same work per thread (flat = perfect scaling)")
        for label, data in threads.items():
            row = "  ".join(f"{n} thr {s:6.2f} s" for n, s in data["seconds"].items())
            print(f"{label:<28} gil={str(data['gil']):<5} {row}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "speed.json").write_text(json.dumps(summary, indent=2) + "\n")
    charts(summary)
    return summary


def charts(summary: dict) -> None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("bench_speed: no matplotlib, no chart (pip install -r bench/requirements.txt)")
        return
    comparisons = summary["comparisons"]
    if comparisons:
        names = sorted({n for c in comparisons.values() for n in c["ratios"]}) + ["geometric mean"]
        fig, ax = plt.subplots(figsize=(12, 6))
        width = 0.8 / len(comparisons)
        for i, (label, data) in enumerate(comparisons.items()):
            speedups = [1 / data["ratios"][n] if n in data["ratios"] else 0 for n in names[:-1]]
            speedups.append(1 / data["geomean"])
            ax.bar([x + i * width for x in range(len(names))], speedups, width, label=label)
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_xticks([x + width * (len(comparisons) - 1) / 2 for x in range(len(names))])
        ax.set_xticklabels(names, rotation=60, ha="right")
        ax.set_ylabel("speed relative to the baseline (higher is faster)")
        ax.set_title(f"pyperformance {summary['pyperformance']} --fast")
        ax.legend()
        fig.tight_layout()
        fig.savefig(RESULTS / "speed.png", dpi=100)
        plt.close(fig)
    if summary["threads"]:
        fig, ax = plt.subplots(figsize=(7, 4))
        for label, data in summary["threads"].items():
            counts = [int(n) for n in data["seconds"]]
            one = data["seconds"]["1"]
            ax.plot(counts, [n * one / s for n, s in zip(counts, data["seconds"].values(), strict=True)], marker="o",
                    label=f"{label} ({'GIL' if data['gil'] else 'free-threaded'})")
        ax.set_xlabel("threads")
        ax.set_ylabel("throughput relative to one thread")
        ax.legend()
        fig.tight_layout()
        fig.savefig(RESULTS / "threads.png", dpi=100)
        plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run")
    run_parser.add_argument("--debs", default=str(ROOT / "dist" / "trixie"))
    run_parser.add_argument("--version", default="", help="package version prefix to take, e.g. 3.13.15")
    run_parser.add_argument("--label", required=True)
    run_parser.add_argument("--distro", default="trixie")
    run_parser.add_argument("--ft", action="store_true", help="also our free-threaded interpreter")
    run_parser.add_argument("--distro-baseline", action="store_true", help="also the distro's own python")
    run_parser.add_argument("--distro-label", default="distro",
                            help="name of the distro's run: 'distro' is the baseline; another name (e.g. "
                                 "distro-again) measures the run-to-run noise against it")
    run_parser.add_argument("--distro-only", action="store_true", help="only the distro's python")
    run_parser.add_argument("--threads-only", action="store_true", help="only the threads loop (with --ft)")
    run_parser.add_argument("--benchmarks", default=",".join(BENCHMARKS),
                            help="comma-separated subset (default: the fixed list; change it only to try things)")
    report_parser = sub.add_parser("report")
    report_parser.add_argument("--pair", action="append", metavar="BASE:OTHER",
                               help="also compare OTHER against BASE (labels of runs), e.g. runs of two builds "
                                    "interleaved in one period; repeatable")
    args = parser.parse_args()
    run(args) if args.command == "run" else report(args)


if __name__ == "__main__":
    main()
