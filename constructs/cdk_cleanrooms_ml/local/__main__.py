"""``python -m cdk_cleanrooms_ml.local``: see :mod:`cdk_cleanrooms_ml.local.cli`."""

import sys

from .entry import main

sys.exit(main("python -m cdk_cleanrooms_ml.local"))
