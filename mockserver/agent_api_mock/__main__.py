import sys

from agent_api_mock.cli import main

sys.exit(main())
