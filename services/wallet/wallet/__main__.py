from wallet.bootstrap import main

main()
