"""Tables of the integrations app: marketplaces, seller accounts, listings, sync outbox."""
