#!/bin/bash
# bench P5 with interleaving (bench/bench_abba.py): every interpreter in ONE throwaway container of the distro's
# build image (as root: it installs packages), so each benchmark runs on each interpreter within a minute.
# Environment:
#   PB_MINOR          X.Y: the distro's own pythonX.Y (from its archive) is the baseline, labelled "distro"
#   PB_NO_DISTRO      non-empty: no distro python (a distro whose archive lacks pythonX.Y); variants only
#   PB_BENCHMARKS     comma-separated pyperformance benchmark names (pure Python, no third-party needs);
#                     empty: none (the threads loop only)
#   PB_ROUNDS         rounds; in each, every benchmark runs in ABBA order (A B C ... C B A)
#   PB_PYPERFORMANCE  the pyperformance version (its benchmark scripts; pyperf as it requires)
#   PB_OWNER          uid:gid that gets the result files
#   PB_THREADS        non-empty: after the rounds, threads.py (the threads loop) with every interpreter in ABBA
#                     order, three rounds, into /out/threads/r<round>/<label>-<leg>.json
# Mounts: /variants/<label>/ (read-only: one build's .debs each, and optionally override/, files laid over them; extracted side by side under /opt/variants,
#         which works because our interpreters link libpython statically and find their prefix from their path),
#         /bench (read-only, this directory), /out (results); the host's CA bundle, named by PIP_CERT, for pip.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
case "$PB_MINOR" in 3.[0-9]|3.[1-9][0-9]) ;; *) echo "abba: bad PB_MINOR" >&2; exit 2 ;; esac
case "$PB_ROUNDS" in [1-9]) ;; *) echo "abba: bad PB_ROUNDS" >&2; exit 2 ;; esac
pythons=()
if [ -z "${PB_NO_DISTRO:-}" ]; then
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "python${PB_MINOR}" "python${PB_MINOR}-venv" >/dev/null
    pythons+=("distro=/usr/bin/python${PB_MINOR}")
fi
for dir in /variants/*/; do
    label=$(basename "$dir")
    root="/opt/variants/${label}"
    mkdir -p "$root"
    for deb in "$dir"*.deb; do
        case "$deb" in *dbgsym*) continue ;; esac
        dpkg-deb -x "$deb" "$root"
    done
    if [ -d "${dir}override" ]; then  # files laid over the extracted tree (e.g. a build's pre-BOLT binary)
        cp -a "${dir}override/." "$root/"
    fi
    bin="${root}/opt/python/python${PB_MINOR}/bin"
    pythons+=("${label}=${bin}/python${PB_MINOR}")
    if [ -x "${bin}/python${PB_MINOR}t" ]; then
        pythons+=("${label}-ft=${bin}/python${PB_MINOR}t")
    fi
done
runner=/tmp/runner
first=${pythons[0]}
"${first#*=}" -m venv "$runner"  # the distro's python, or (PB_NO_DISTRO) the first variant's
"$runner/bin/pip" install -q "pyperformance==${PB_PYPERFORMANCE}"
pyperf_version=$("$runner/bin/python" -c 'import importlib.metadata as m; print(m.version("pyperf"))')
benchmarks_dir=$("$runner/bin/python" -c 'import pyperformance, os; print(os.path.join(os.path.dirname(pyperformance.__file__), "data-files", "benchmarks"))')
venvs=()
for entry in "${pythons[@]}"; do
    label=${entry%%=*} python=${entry#*=}
    echo "python-builder bench: $label = $python ($("$python" -VV))"
    "$python" -m venv "/tmp/venv-${label}"
    "/tmp/venv-${label}/bin/pip" install -q "pyperf==${pyperf_version}"
    venvs+=("${label}=/tmp/venv-${label}/bin/python")
    "$python" -VV > "/out/${label}.version"
done
if [ -n "$PB_BENCHMARKS" ]; then
    "$runner/bin/python" /bench/abba.py benchmarks "$benchmarks_dir" /out "$PB_ROUNDS" "$PB_BENCHMARKS" "${venvs[@]}"
fi
if [ -n "${PB_THREADS:-}" ]; then
    "$runner/bin/python" /bench/abba.py threads /bench/threads.py /out 3 "${pythons[@]}"
fi
chown -R "$PB_OWNER" /out
