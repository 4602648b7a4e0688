from bot.sandbox.slack.standalone import main

main()
