"""Starting the platform's infrastructure: local stand-ins, testcontainers, or external endpoints."""
