from bookings.bootstrap import main

main()
