"""``python -m keras_truacc.cli``: the ``truacc`` command."""

import sys

from keras_truacc.cli.command import main

sys.exit(main())
