"""moderation: Moderation rounds, blind second judgements, agreement and exemplars across a trust (issue 5).

Today the service runs, verifies tokens and answers its health check, so the deployment,
compose file and run command have their final shape; its behaviour arrives with its issue.
"""
