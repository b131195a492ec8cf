"""A notebook's run: the one ``setup()`` call, its parameters, mode and state, the device, the summary.

Change things here when what a run decides or records changes (a new parameter, the banner, the
threads, the JSON summary, the learner's IPython hooks).  Importing this package imports nothing.
"""
