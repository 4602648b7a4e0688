from emulators.slack.standalone import main

main()
