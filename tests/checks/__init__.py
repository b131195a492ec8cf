"""Tests of the answer checks: one file per hands-on notebook (``test_nb01_warmup.py`` ... for
``helpers/questions/nb01_warmup.py`` ...), each with its notebook's tables (``NEVER``, ``HINT_NEVER``,
``ANSWERS``; see ``tests/giveaways.py``), and ``test_contract.py`` over every question discovered."""
