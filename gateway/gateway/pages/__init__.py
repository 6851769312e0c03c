"""The operator HTML pages (login, sagas, dead letters), served under /ops with a cookie
session; they call the same helpers as the JSON routes."""
