"""Answer checks for the hands-on notebooks, one module per notebook.

Each module is named after its notebook: ``solutions/03_fnn_mnist.ipynb`` imports
``from helpers.questions.nb03_fnn_mnist import q1, q2, q3``.
"""
