"""evidence-store: photos, video, audio and documents as evidence of a pupil's engagement, with
consent per purpose, streamed and resumable uploads, checks by content, location metadata removed
from images, short-lived audited links, retention and erasure.
"""
