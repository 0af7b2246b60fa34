"""evidence-store: Photos, video, audio and documents as evidence, with consent, retention and erasure (issue 3).

Today the service runs, verifies tokens and answers its health check, so the deployment,
compose file and run command have their final shape; its behaviour arrives with its issue.
"""
