import sys

from openchat.client.cli import main

sys.exit(main())
