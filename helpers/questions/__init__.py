"""Answer checks for the hands-on notebooks, one module per notebook.

``from helpers.questions.fnn_mnist import q1, q2, q3`` in ``03_fnn_mnist``.
"""
