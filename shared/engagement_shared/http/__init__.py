"""FastAPI plumbing shared by every service: app factory, tracing middleware, errors, auth."""
