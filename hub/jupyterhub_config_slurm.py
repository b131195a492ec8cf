"""JupyterHub for a workshop on an HPC cluster: the hub on a login node, each learner's server a SLURM job.

Everything of ``hub/jupyterhub_config.py`` (log-in, the room's settings from the "Keras workshop" kernel
spec, culling) and, instead of local processes, ``batchspawner.SlurmSpawner``: each learner's server runs
on a compute node as a SLURM job sized from the room benchmark (``benchmarks/results-room.json``:
memory = 1.25 x one learner's RSS alone, a job being its own cgroup; cores = what one learner alone keeps
busy, rounded up).  Compute nodes usually have no internet: the data is prefetched to a shared folder,
and the kernel spec sets it and offline mode::

    # on the login node, once, in the kit's folder on a file system the compute nodes mount
    make setup && npm ci --prefix hub && .venv/bin/pip install -r hub/requirements.txt
    .venv/bin/python -m helpers prefetch --dest /shared/workshop-data
    .venv/bin/python -m helpers kernel install --sys-prefix --data-dir /shared/workshop-data --offline
    WORKSHOP_SLURM_PARTITION=shared WORKSHOP_SLURM_ACCOUNT=my-project \\
        .venv/bin/jupyterhub -f hub/jupyterhub_config_slurm.py

Environment variables read here (besides those of jupyterhub_config.py): ``WORKSHOP_SLURM_PARTITION``,
``WORKSHOP_SLURM_ACCOUNT``, ``WORKSHOP_SLURM_RUNTIME`` (default 04:00:00), ``WORKSHOP_SLURM_OPTIONS``
(one more ``#SBATCH`` option, e.g. ``--reservation=workshop``), ``WORKSHOP_HUB_CONNECT_HOST`` (the login
node's name as the compute nodes reach it; default this machine's fully qualified name).

Not run here: there is no SLURM on the machines that built the kit.  ``tests/test_room.py`` loads this
file with JupyterHub's config loader, checks every setting against batchspawner's and JupyterHub's own
classes, and renders the batch script that ``sbatch`` would get and checks it with ``bash -n``.
"""

import json
import math
import os
import socket
import sys
from pathlib import Path

from batchspawner import SlurmSpawner

c = get_config()  # noqa: F821 – provided by JupyterHub's config loader

HERE = Path(__file__).resolve().parent
extra = os.environ.pop("WORKSHOP_HUB_EXTRA_CONFIG", None)  # site settings are loaded last, after the SLURM ones
load_subconfig(str(HERE / "jupyterhub_config.py"))  # noqa: F821 – provided by the config loader

PYTHON = Path(os.environ.get("WORKSHOP_HUB_PYTHON") or sys.executable)
SIZING = json.loads((HERE.parent / "benchmarks" / "results-room.json").read_text())["sizing"]

c.JupyterHub.spawner_class = "batchspawner.SlurmSpawner"
c.JupyterHub.hub_bind_url = "http://0.0.0.0:8081"  # the learners' servers on compute nodes call the hub's API
c.JupyterHub.hub_connect_ip = os.environ.get("WORKSHOP_HUB_CONNECT_HOST") or socket.getfqdn()

c.SlurmSpawner.cmd = [str(PYTHON.with_name("jupyterhub-singleuser"))]
c.SlurmSpawner.batchspawner_singleuser_cmd = str(PYTHON.with_name("batchspawner-singleuser"))
# before the server starts, on the compute node, as the learner: the exercises they do not have yet
c.SlurmSpawner.req_prologue = (f'"{PYTHON}" -m helpers workspace '
                               f'|| echo "keras-workshop: the workspace was not prepared" >&2')
c.SlurmSpawner.req_partition = os.environ.get("WORKSHOP_SLURM_PARTITION", "")
c.SlurmSpawner.req_account = os.environ.get("WORKSHOP_SLURM_ACCOUNT", "")
# SlurmSpawner's own batch script has no line for req_account: add one, to the script of the installed version
_script = SlurmSpawner.class_traits()["batch_script"].default()
c.SlurmSpawner.batch_script = _script.replace(
    "{% if partition", "{% if account    %}#SBATCH --account={{account}}\n{% endif %}{% if partition", 1)
c.SlurmSpawner.req_runtime = os.environ.get("WORKSHOP_SLURM_RUNTIME") or "04:00:00"
c.SlurmSpawner.req_options = os.environ.get("WORKSHOP_SLURM_OPTIONS", "")
c.SlurmSpawner.req_memory = SIZING["z2jh"]["memory"]["limit"]        # e.g. "1152M": sbatch --mem takes M
c.SlurmSpawner.req_nprocs = str(max(1, math.ceil(SIZING["cores_used_alone"])))
c.SlurmSpawner.start_timeout = 900   # seconds: the job may wait in the queue
c.SlurmSpawner.http_timeout = 300

if extra:
    os.environ["WORKSHOP_HUB_EXTRA_CONFIG"] = extra
    load_subconfig(extra)  # noqa: F821
