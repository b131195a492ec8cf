"""JupyterHub for a Keras workshop on one machine: one shared install of the kit, one server per learner.

Use it as is (the test suite starts this very file, tests/test_hub.py):

    # once, as the admin, in the kit's folder (a read-only copy for the learners, e.g. /opt/keras-workshop)
    make setup && npm ci --prefix hub                        # the kit's .venv, and the hub's proxy
    .venv/bin/python -m helpers prefetch --dest /srv/workshop-data
    .venv/bin/python -m helpers kernel install --sys-prefix --data-dir /srv/workshop-data --offline --threads 2
    # then, as root (learners log in with their system accounts; each server runs as its learner):
    .venv/bin/jupyterhub -f hub/jupyterhub_config.py

What it sets up:

* Log-in with the machine's accounts (PAM); ``WORKSHOP_HUB_ALLOWED_USERS=ada,bo`` limits who may log
  in (else every account may) and ``WORKSHOP_HUB_ADMINS=me`` names the admins.
* Each learner's server is this environment's ``jupyterhub-singleuser``, started in their home,
  opening JupyterLab.  Before it starts, ``python -m helpers workspace`` copies the exercises they do
  not have yet into their workspace, ``~/keras-workshop`` (``WORKSHOP_WORKSPACE``; never overwriting
  a copy), so their notebooks are waiting.
* The room's settings come from ONE place, the "Keras workshop" kernel spec written by
  ``helpers kernel install`` (data folder, offline, threads, GPU memory, the kit's folder): its
  ``env`` is also given to every learner's server (and so to terminals and every kernel), and it is
  the default kernel of new notebooks.  Without an installed spec, the hub's own ``WORKSHOP_*``
  variables are passed on instead.  ``JUPYTER_PATH`` reaches the servers too, so a spec installed with
  ``--prefix DIR`` is found.
* Forgotten kernels are shut down after 30 minutes without activity and without an open notebook
  (``MappingKernelManager.cull_idle_timeout``), and idle servers after an hour by
  ``jupyterhub-idle-culler`` (``WORKSHOP_HUB_CULL_TIMEOUT`` seconds), so memory goes back to the room.
* Generous start time-outs: 30 learners starting at once on a loaded node take a while (see
  docs/instructor-guide.md, *Running a room*).
* The proxy is ``hub/node_modules/.bin/configurable-http-proxy`` (``npm ci --prefix hub``), else the
  one on ``PATH``.

Environment variables read here: ``WORKSHOP_HUB_URL`` (public address, default ``http://:8000``),
``WORKSHOP_HUB_STATE`` (folder for the database, cookie secret and proxy pid, default
``/srv/keras-workshop-hub``), ``WORKSHOP_HUB_PYTHON`` (the kit's Python when the hub runs from another
environment), ``WORKSHOP_HUB_ALLOWED_USERS``, ``WORKSHOP_HUB_ADMINS``, ``WORKSHOP_HUB_CULL_TIMEOUT``, and
``WORKSHOP_HUB_EXTRA_CONFIG``: a further config file loaded last, for site settings (the tests use
it for loopback ports, a test authenticator and a spawner that needs no system accounts).
"""

import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 – provided by JupyterHub's config loader

KIT = Path(__file__).resolve().parent.parent
PYTHON = Path(os.environ.get("WORKSHOP_HUB_PYTHON") or sys.executable)
KERNEL_NAME = "keras-workshop"
#: What a learner's server gets from the hub's environment when no kernel spec is installed.
ROOM_SETTINGS = ("WORKSHOP_DATA_DIR", "WORKSHOP_OFFLINE", "WORKSHOP_QUICK", "WORKSHOP_THREADS",
                 "WORKSHOP_GPU_MEMORY", "WORKSHOP_MIRROR")


def _names(variable):
    return {name.strip() for name in os.environ.get(variable, "").split(",") if name.strip()}


def room_environment():
    """The settings every learner's server gets: the kernel spec's ``env``, else the hub's WORKSHOP_* variables."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        return dict(KernelSpecManager().get_kernel_spec(KERNEL_NAME).env), True
    except NoSuchKernel:
        env = {name: os.environ[name] for name in ROOM_SETTINGS if os.environ.get(name, "").strip()}
        return {"WORKSHOP_KIT_DIR": str(KIT), **env}, False


# -- the hub ---------------------------------------------------------------------------------------------------------
state = Path(os.environ.get("WORKSHOP_HUB_STATE") or "/srv/keras-workshop-hub")
state.mkdir(parents=True, exist_ok=True, mode=0o700)
c.JupyterHub.bind_url = os.environ.get("WORKSHOP_HUB_URL") or "http://:8000"
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")
proxy = KIT / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"
c.ConfigurableHTTPProxy.command = [str(proxy) if proxy.exists() else "configurable-http-proxy"]

# -- who may log in ----------------------------------------------------------------------------------------------------
if _names("WORKSHOP_HUB_ALLOWED_USERS"):
    c.Authenticator.allowed_users = _names("WORKSHOP_HUB_ALLOWED_USERS")
else:
    c.Authenticator.allow_all = True  # a workshop machine: every account on it may log in
c.Authenticator.admin_users = _names("WORKSHOP_HUB_ADMINS")

# -- each learner's server ---------------------------------------------------------------------------------------------
singleuser = PYTHON.with_name("jupyterhub-singleuser")
# sh -c '<prepare the workspace>; exec jupyterhub-singleuser "$@"' jupyterhub-singleuser <the hub's arguments>
c.Spawner.cmd = ["/bin/sh", "-c",
                 f'"{PYTHON}" -m helpers workspace || echo "keras-workshop: the workspace was not prepared" >&2; '
                 f'exec "{singleuser}" "$@"', "jupyterhub-singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 300  # seconds; 30 servers and their first kernels starting at once share the CPUs
c.Spawner.http_timeout = 180
environment, from_spec = room_environment()
# each learner's notebooks in their own home, whoever may write the kit's folder (kernel spec or hub env may move it)
environment.setdefault("WORKSHOP_WORKSPACE", os.environ.get("WORKSHOP_WORKSPACE") or "~/keras-workshop")
if os.environ.get("JUPYTER_PATH"):  # where a kernel spec installed with --prefix DIR is found
    environment["JUPYTER_PATH"] = os.environ["JUPYTER_PATH"]
c.Spawner.environment = environment
c.Spawner.args = ["--MappingKernelManager.cull_idle_timeout=1800", "--MappingKernelManager.cull_interval=300"]
if from_spec:
    c.Spawner.args.append(f"--MappingKernelManager.default_kernel_name={KERNEL_NAME}")

# -- idle servers go back to the room ----------------------------------------------------------------------------------
cull_timeout = os.environ.get("WORKSHOP_HUB_CULL_TIMEOUT") or "3600"
if not cull_timeout.isdigit() or int(cull_timeout) < 60:
    raise ValueError(f"WORKSHOP_HUB_CULL_TIMEOUT={cull_timeout!r} is not valid: expected whole seconds >= 60. "
                     f"Fix: e.g. `export WORKSHOP_HUB_CULL_TIMEOUT=3600`, or unset it.")
cull_timeout = int(cull_timeout)
c.JupyterHub.services = [{"name": "idle-culler",
                          "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={cull_timeout}",
                                      f"--cull-every={max(60, cull_timeout // 6)}"]}]
c.JupyterHub.load_roles = [{"name": "idle-culler", "services": ["idle-culler"],
                            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]}]

# -- site settings, loaded last ----------------------------------------------------------------------------------------
if os.environ.get("WORKSHOP_HUB_EXTRA_CONFIG"):
    load_subconfig(os.environ["WORKSHOP_HUB_EXTRA_CONFIG"])  # noqa: F821 – provided by the config loader
