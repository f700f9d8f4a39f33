import sys

from finops_lib.cli import main

sys.exit(main())
