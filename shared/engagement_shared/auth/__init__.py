"""Authentication (signed JWT bearer tokens) and authorisation (roles scoped to trust, schools, pupils)."""
