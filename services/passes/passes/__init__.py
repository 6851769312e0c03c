"""The passes service: pass products, customer entitlements and their credit holds."""
