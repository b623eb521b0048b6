from agent_api_mock.cli import main

main()
