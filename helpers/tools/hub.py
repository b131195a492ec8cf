"""Inside a JupyterHub single-user server: where the learner's workspace opens, instead of a second server.

JupyterHub starts each learner's Jupyter server itself and routes ``/user/<name>/`` to it; a
second server started from its terminal (``python -m helpers lab``) would listen on a port the
hub's proxy never routes to.  So ``lab`` notices the hub (it sets ``JUPYTERHUB_*`` variables in the
server, its terminals and its kernels), prepares the workspace as usual, and prints the address
of the workspace in the server the learner already has.
"""

import os
from pathlib import Path

__all__ = ["in_hub", "server_root", "where_to_open"]


def in_hub(environ=None):
    """True inside a JupyterHub single-user server (or one of its terminals or kernels)."""
    environ = os.environ if environ is None else environ
    return any(environ.get(name) for name in ("JUPYTERHUB_SERVICE_PREFIX", "JUPYTERHUB_API_URL", "JUPYTERHUB_USER"))


def server_root(environ=None):
    """The folder the learner's Jupyter server shows, and how it was found.

    In order: ``JUPYTER_SERVER_ROOT`` (set in the server's terminals), the running server whose
    address is this hub prefix (its ``jpserver-*.json``), ``JUPYTERHUB_ROOT_DIR`` (the hub's
    ``Spawner.notebook_dir``), else the home folder, where JupyterHub's spawners start the server.

    Returns:
        tuple[Path, str]: the folder and where it came from.
    """
    environ = os.environ if environ is None else environ
    if environ.get("JUPYTER_SERVER_ROOT"):
        return Path(environ["JUPYTER_SERVER_ROOT"]).expanduser(), "JUPYTER_SERVER_ROOT"
    prefix = environ.get("JUPYTERHUB_SERVICE_PREFIX", "")
    try:
        from jupyter_server.serverapp import list_running_servers

        for info in list_running_servers():
            if prefix and info.get("base_url") == prefix and info.get("root_dir"):
                return Path(info["root_dir"]).expanduser(), "the running server"
    except Exception:  # noqa: BLE001 – an unreadable runtime folder only means: look further
        pass
    if environ.get("JUPYTERHUB_ROOT_DIR"):
        return Path(environ["JUPYTERHUB_ROOT_DIR"]).expanduser(), "JUPYTERHUB_ROOT_DIR"
    return Path(environ.get("HOME") or Path.home()), "the home folder"


def where_to_open(workspace, environ=None):
    """Lines telling a hub learner where the workspace is in the server they already have.

    Args:
        workspace: The learner's workspace folder (already prepared).
        environ: The environment (default ``os.environ``).

    Returns:
        list[str]: what ``python -m helpers lab`` prints.
    """
    environ = os.environ if environ is None else environ
    root, how = server_root(environ)
    workspace = Path(workspace).resolve()
    lines = ["This is a JupyterHub server already: no second JupyterLab is started "
             "(the hub's proxy would never route to it)."]
    try:
        relative = workspace.relative_to(root.resolve()).as_posix()
    except ValueError:
        lines.append(f"Your workspace {workspace} lies outside this server's folder {root} ({how}), so "
                     f"JupyterLab cannot show it. Fix: `export WORKSHOP_WORKSPACE={root}/keras-workshop` "
                     f"and run `python -m helpers lab` again.")
        return lines
    base = environ.get("JUPYTERHUB_PUBLIC_URL") or environ.get("JUPYTERHUB_SERVICE_PREFIX") or "/"
    address = base.rstrip("/") + "/lab/tree/" + (relative if relative != "." else "")
    lines.append(f"Open your notebooks at {address.rstrip('/')}")
    lines.append(f"(in JupyterLab's file browser: {relative if relative != '.' else 'the top folder'}).")
    return lines
