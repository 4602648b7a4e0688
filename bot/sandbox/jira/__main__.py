from bot.sandbox.jira.standalone import main

main()
