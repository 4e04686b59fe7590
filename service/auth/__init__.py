"""Who may call: registered clients, their API keys and CDS Hooks JWTs, scopes and rate limits."""
