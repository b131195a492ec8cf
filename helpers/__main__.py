"""Command line: ``python -m helpers {doctor,prefetch,exercises,execute,slides}``."""

import argparse
import sys

from .errors import WorkshopError

__all__ = ["main"]


def _doctor(args):
    from .doctor import report
    from .runtime import quick_mode

    quick = quick_mode(True if args.quick else False if args.full else None)
    return report(quick, probe_network=not args.no_network)


def _prefetch(args):
    from .download import fetch
    from .registry import DATASETS, get_dataset

    names = args.names or list(DATASETS)
    status = 0
    for name in names:
        try:
            get_dataset(name)
            for path in fetch(name, dest=args.dest):
                print(f"ok      {name:<12} {path.name:<27} {path}  (SHA-256 verified)")
        except WorkshopError as exc:
            print(f"FAILED  {name}: {exc}", file=sys.stderr)
            status = 1
    if status == 0 and args.dest:
        print(f"\nDone. On the offline machines: export WORKSHOP_DATA_DIR={args.dest}")
    return status


def _exercises(args):
    from .exercises import generate, stale

    if args.check:
        problems = stale(args.solutions, args.exercises)
        if problems:
            print("exercises/ is out of date:\n  - " + "\n  - ".join(problems)
                  + "\nFix: `python -m helpers exercises`, then commit exercises/.", file=sys.stderr)
            return 1
        print("exercises/ is in sync with solutions/.")
        return 0
    written = generate(args.solutions, args.exercises)
    for path in written:
        print(f"wrote {path}")
    print(f"{len(written)} exercise notebook(s) updated." if written else "exercises/ already up to date.")
    return 0


def _execute(args):
    from .notebooks import execute_notebook

    for path in args.notebooks:
        execute_notebook(path, quick=not args.full)
        print(f"executed {path} ({'full' if args.full else 'quick'} mode), outputs stored")
    return 0


def _slides(args):
    from .tools.slides import build, fetch_assets

    if args.fetch_only:
        for name, path in fetch_assets().items():
            print(f"ok      {name:<10} {path}  (SHA-256 verified)")
        return 0
    build(args.notebooks or None, out_dir=args.out)
    return 0


def main(argv=None):
    """Entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m helpers", description="Keras workshop kit tools.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("doctor", help="report versions, devices, mode and data; exit 1 if something is missing")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="check for quick mode")
    mode.add_argument("--full", action="store_true", help="check for full mode")
    p.add_argument("--no-network", action="store_true", help="do not probe the mirrors")
    p.set_defaults(func=_doctor)

    p = sub.add_parser("prefetch", help="download and verify data sets (all, or the ones named)")
    p.add_argument("names", nargs="*", metavar="NAME", help="mnist, mnist-quick, abalone (default: all)")
    p.add_argument("--dest", metavar="DIR", help="write here (e.g. a shared WORKSHOP_DATA_DIR) instead of the cache")
    p.set_defaults(func=_prefetch)

    p = sub.add_parser("exercises", help="generate exercises/ from solutions/")
    p.add_argument("--check", action="store_true", help="only compare; exit 1 if exercises/ is out of date")
    p.add_argument("--solutions", default="solutions", metavar="DIR")
    p.add_argument("--exercises", default="exercises", metavar="DIR")
    p.set_defaults(func=_exercises)

    p = sub.add_parser("execute", help="run notebooks top to bottom and store clean outputs")
    p.add_argument("notebooks", nargs="+", metavar="NOTEBOOK")
    p.add_argument("--full", action="store_true", help="full mode instead of quick mode")
    p.set_defaults(func=_execute)

    p = sub.add_parser("slides", help="export lectures as offline reveal.js decks (slides/<name>.slides.html)")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="default: every notebooks/*.ipynb")
    p.add_argument("--out", default="slides", metavar="DIR", help="output folder (default: slides)")
    p.add_argument("--fetch-only", action="store_true", help="only fetch and verify the npm assets")
    p.set_defaults(func=_slides)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except WorkshopError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
