from passes.bootstrap import main

main()
