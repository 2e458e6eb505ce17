from kaoping.cli import main

main()
