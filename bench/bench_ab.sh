#!/usr/bin/env bash
# The whole `salesbook run` on one demo folder, an older commit against the working tree, in
# alternation on the same machine and venv (PYTHONPATH picks the code). For "is it slower?".
#
#   bench/bench_ab.sh OLD_COMMIT [REPS] [REPEATS] [MODES] [SETTINGS_SED]
#   (defaults: 1000 reps, 2 repeats, MODES "pdf no-pdf"; "no-pdf" alone for the figures only;
#   SETTINGS_SED edits the demo's salesbook.toml, e.g. 's/^docx = true/docx = false/' to leave
#   out what the old side cannot make; PYTHON picks the interpreter, default this tree's .venv)
#
# Prints one line per run: repeat, side, with/without PDFs, wall seconds, peak RSS (KiB, the
# largest single process), output size. Uses only temporary folders; exit status 1 of a run is
# expected (the demo plants errors).
set -euo pipefail
old=$1 reps=${2:-1000} repeats=${3:-2} modes=${4:-"pdf no-pdf"} edit=${5:-}
here=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-$here/.venv/bin/python}
work=$(mktemp -d)
trap 'git -C "$here" worktree remove --force "$work/old" >/dev/null 2>&1; rm -rf "$work"' EXIT
git -C "$here" worktree add --quiet --detach "$work/old" "$old"
"$python" -m salesbook demo "$work/demo" --reps "$reps" >/dev/null
[ -n "$edit" ] && sed -i "$edit" "$work/demo/salesbook.toml"
launch='import sys, runpy
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
code = sys.argv.pop(1)
sys.path.insert(0, code)
import salesbook
assert salesbook.__file__.startswith(code), salesbook.__file__
sys.argv[0] = "salesbook"
runpy.run_module("salesbook", run_name="__main__", alter_sys=True)'

for repeat in $(seq "$repeats"); do
  for side in old new; do
    code=$here; [ "$side" = old ] && code=$work/old
    for mode in $modes; do
      flags=(); [ "$mode" = no-pdf ] && flags=(--no-pdf)
      rm -rf "$work/out"
      # The venv's editable install would win over PYTHONPATH: drop its finder, put CODE first.
      /usr/bin/time -f "%e %M" -o "$work/time" "$python" -c "$launch" "$code" \
        run "$work/demo" -o "$work/out" --today 2026-11-25 "${flags[@]}" >/dev/null 2>&1 || true
      read -r seconds rss < <(tail -n 1 "$work/time")  # a failed run adds a line above
      echo "$repeat $side $mode ${seconds}s ${rss}KiB $(du -sm "$work/out" | cut -f1)MB"
    done
  done
done
