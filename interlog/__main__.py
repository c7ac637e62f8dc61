from interlog.cli import main

main()
