from emulators.jira.standalone import main

main()
