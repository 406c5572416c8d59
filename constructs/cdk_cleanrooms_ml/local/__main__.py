"""``python -m cdk_cleanrooms_ml.local``: see :mod:`cdk_cleanrooms_ml.local.cli`."""

import sys

from .cli import main

sys.exit(main())
