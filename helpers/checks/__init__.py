"""The check engine: ``Question`` and its kinds, facts read off a learner's model, feedback, catching up.

The questions themselves (the content) are in :mod:`helpers.questions`.  Importing this package
imports nothing.
"""
