"""The JSON API, one router per audience: public catalog reads, authentication, customers,
operators, dead letters and provider webhooks. `gateway.app` includes them all."""
