"""Command line: ``python -m helpers {lab,workspace,kernel,doctor,prefetch,run,exercises,execute,slides}``."""

import argparse
import sys

from .errors import WorkshopError

__all__ = ["main"]


def _doctor(args):
    from .run.state import quick_mode
    from .tools.doctor import report

    quick = True if args.quick else False if args.full else quick_mode()
    return report(quick, probe_network=not args.no_network, notebook=args.notebook)


def _prefetch(args):
    from .data.fetch import fetch
    from .data.registry import DATASETS, get_dataset

    names = args.names or list(DATASETS)
    status = 0
    for name in names:
        try:
            dataset = get_dataset(name)
            for remote, path in zip(dataset.files, fetch(name, dest=args.dest)):
                print(f"ok      {name:<13} {remote.filename:<40} {path}  (SHA-256 verified)")
        except WorkshopError as exc:
            print(f"FAILED  {name}: {exc}", file=sys.stderr)
            status = 1
    if status == 0 and args.dest:
        print(f"\nDone. On the offline machines: export WORKSHOP_DATA_DIR={args.dest}")
    return status


def _exercises(args):
    from .tools.exercises import generate, stale

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
    import json
    from pathlib import Path

    from .errors import NotebookSourceError
    from .tools.execute import execute_notebook

    for path in args.notebooks:
        try:  # a missing, unreadable or non-JSON file is the user's input: a typed error, not a traceback
            if "cells" not in json.loads(Path(path).read_text(encoding="utf-8")):
                raise ValueError("it has no cells")
        except (OSError, UnicodeDecodeError, ValueError, TypeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else f"not a notebook (JSON): {exc}"
            raise NotebookSourceError(f"Cannot execute {path}: {why}. Fix: pass the path of an .ipynb file, "
                                      f"e.g. `python -m helpers execute solutions/01_warmup.ipynb`.") from None
        execute_notebook(path, quick=not args.full)
        print(f"executed {path} ({'full' if args.full else 'quick'} mode), outputs stored")
    return 0


def _print_rows(folder, rows):
    """One line per notebook of the workspace; a status with a sentence gets it, with its fix."""
    for name, status in rows:
        word, _, note = status.partition("; ")
        if note.startswith("the kit's exercise changed"):
            note += f": `python -m helpers workspace --reset {name[:2]}` starts it over"
        print(f"{word:<9}  {folder / name}" + (f"\n           ({note})" if note else ""))


def _workspace(args):
    from .tools.workspace import prepare, reset, workspace_dir

    folder = workspace_dir()
    if args.reset:
        for fresh, backup in reset(args.reset, folder):
            print(f"reset      {fresh}" + (f"  (your old copy: {backup})" if backup else ""))
    _print_rows(folder, prepare(folder))
    print(f"\nYour work lives in {folder}; the kit never writes there. Open it with `make lab`.")
    return 0


def _lab(args, extra):
    import os

    from .tools.workspace import lab_command, prepare, workspace_dir

    from .tools.hub import in_hub, where_to_open

    folder = workspace_dir()
    rows = prepare(folder)
    created = [name for name, status in rows if status == "new"]
    print(f"Your notebooks: {folder}" + (f" ({len(created)} new copies of the exercises)" if created else ""))
    _print_rows(folder, [row for row in rows if "; " in row[1] and not row[1].startswith("yours")])
    if in_hub():
        print("\n".join(where_to_open(folder)))
        return 0
    cmd = lab_command(folder, port=args.port, extra=(["--no-browser"] if args.no_browser else []) + extra)
    if args.dry_run:
        print(" ".join(cmd))
        return 0
    sys.stdout.flush()
    os.execv(cmd[0], cmd)  # become JupyterLab: Ctrl-C and the signals of a job reach it directly


def _kernel(args):
    import sys as _sys

    from .tools.kernel import install, spec_env

    env = spec_env({"WORKSHOP_KIT_DIR": args.kit_dir, "WORKSHOP_DATA_DIR": args.data_dir,
                    "WORKSHOP_OFFLINE": "1" if args.offline else None, "WORKSHOP_QUICK": args.quick,
                    "WORKSHOP_THREADS": args.threads, "WORKSHOP_GPU_MEMORY": args.gpu_memory})
    prefix = _sys.prefix if args.sys_prefix else args.prefix
    where = install(env, user=args.user, prefix=prefix, name=args.name, display_name=args.display_name)
    print(f"installed kernel {args.name!r} (\"{args.display_name}\") in {where}")
    print(f"  python  {_sys.executable}")
    for name, value in env.items():
        print(f"  {name}={value}")
    return 0


def _run(args, extra):
    from .tools.scripts import run_as_script

    extra = extra[1:] if extra[:1] == ["--"] else extra  # `run NB -- --help` passes --help to the script
    workdir = args.workdir or f"runs/{args.notebook.rsplit('/', 1)[-1].removesuffix('.ipynb')}"
    result = run_as_script(args.notebook, extra, workdir=workdir, clean_env=False)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    print(f"[{args.notebook} as a script: exit {result.returncode}, {result.wall_seconds:.1f} s, "
          f"peak memory {result.peak_memory_mib:.0f} MiB; outputs in {result.workdir}]")
    return result.returncode


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

    p = sub.add_parser("lab", help="copy the exercises you don't have yet into your workspace (mywork/), "
                                   "then open it in JupyterLab (inside a JupyterHub server: say where it is); "
                                   "further options go to jupyter lab")
    p.add_argument("--port", type=int, help="port for JupyterLab (default: its own, 8888)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument("--dry-run", action="store_true", help="print the jupyter command instead of running it")
    p.set_defaults(func=_lab, takes_extra=True)

    p = sub.add_parser("workspace", help="your own copies of the exercises (WORKSHOP_WORKSPACE, default mywork/)")
    p.add_argument("--reset", nargs="+", metavar="NOTEBOOK",
                   help="start these over (e.g. 04); the old copy is kept in .backup/")
    p.set_defaults(func=_workspace)

    p = sub.add_parser("kernel", help="register this environment as the named Jupyter kernel \"Keras workshop\"")
    ksub = p.add_subparsers(dest="action", required=True)
    k = ksub.add_parser("install", help="write the kernel spec; its env carries the kit's settings (each from its "
                                        "flag, else from this shell's WORKSHOP_* variables)")
    where = k.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true", help="for the current user only (~/.local/share/jupyter)")
    where.add_argument("--sys-prefix", action="store_true", help="into this environment (sys.prefix): every "
                                                                 "Jupyter server run from it sees the kernel")
    where.add_argument("--prefix", metavar="DIR", help="under DIR/share/jupyter/kernels (e.g. /usr/local)")
    k.add_argument("--name", default="keras-workshop", help="kernel name (default keras-workshop)")
    k.add_argument("--display-name", default="Keras workshop", help="name in the launcher (default Keras workshop)")
    k.add_argument("--kit-dir", metavar="DIR", help="the kit's folder (default: this one) -> WORKSHOP_KIT_DIR")
    k.add_argument("--data-dir", metavar="DIR", help="pre-fetched data folder -> WORKSHOP_DATA_DIR")
    k.add_argument("--offline", action="store_true", help="never download -> WORKSHOP_OFFLINE=1")
    k.add_argument("--quick", metavar="0|1", help="quick (1) or full (0) mode for every kernel -> WORKSHOP_QUICK")
    k.add_argument("--threads", metavar="N", help="CPU threads per kernel, 0 = TensorFlow's defaults "
                                                  "-> WORKSHOP_THREADS (default: sized to each kernel's CPUs)")
    k.add_argument("--gpu-memory", metavar="MIB", help="MiB of each GPU per kernel -> WORKSHOP_GPU_MEMORY "
                                                       "(default: memory growth)")
    p.set_defaults(func=_kernel)

    p = sub.add_parser("run", help="run a notebook as a plain script (nbconvert), e.g. "
                                   "`python -m helpers run solutions/04_cnn_mnist.ipynb --quick --epochs 3`")
    p.add_argument("notebook", metavar="NOTEBOOK")
    p.add_argument("--workdir", metavar="DIR", help="where the script, figures/ and outputs/ go "
                                                    "(default runs/<notebook>)")
    p.set_defaults(func=_run, takes_extra=True)

    p = sub.add_parser("doctor", help="report versions, devices, mode and data; exit 1 if something is missing")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="check for quick mode")
    mode.add_argument("--full", action="store_true", help="check for full mode")
    p.add_argument("--no-network", action="store_true", help="do not probe the mirrors")
    p.add_argument("--notebook", metavar="NB", help="check only the data this notebook (or script) needs, "
                                                    "e.g. in a batch job that runs it")
    p.set_defaults(func=_doctor)

    p = sub.add_parser("prefetch", help="download and verify data sets (all, or the ones named)")
    p.add_argument("names", nargs="*", metavar="NAME", help="mnist, mnist-quick, abalone, fashion-mnist (default: all)")
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

    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "takes_extra", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.func(args, extra) if getattr(args, "takes_extra", False) else args.func(args)
    except WorkshopError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
