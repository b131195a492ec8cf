"""Tools for instructors and operators, never imported by a learner's kernel.

* :mod:`~helpers.tools.exercises`: generate ``exercises/`` from ``solutions/``;
* :mod:`~helpers.tools.execute`: run notebooks and store clean outputs;
* :mod:`~helpers.tools.scripts`: run a notebook as a plain script and read its summary;
* :mod:`~helpers.tools.workspace`: the learners' own copies of the exercises, and ``lab``;
* :mod:`~helpers.tools.hub`: ``lab`` inside a JupyterHub server (where the workspace is, no second server);
* :mod:`~helpers.tools.kernel`: the "Keras workshop" kernel spec for one shared install;
* :mod:`~helpers.tools.doctor`: the readiness report;
* :mod:`~helpers.tools.slides`: lectures as offline reveal.js decks.

The command line (``python -m helpers ...``) is their front door.
"""
