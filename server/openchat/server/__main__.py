import sys

from openchat.server.cli import main

sys.exit(main())
