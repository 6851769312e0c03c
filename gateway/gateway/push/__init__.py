"""Web Push for a company's staff: the console's devices subscribe (gateway.push.routes), booking
events become one push per subscription (gateway.push.delivery), signed with the gateway's
VAPID key (gateway.push.vapid) and encrypted for the device (aes128gcm)."""
