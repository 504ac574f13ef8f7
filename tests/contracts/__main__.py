import sys

from tests.contracts.check import main

sys.exit(main())
