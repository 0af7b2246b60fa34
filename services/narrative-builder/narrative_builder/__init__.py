"""narrative-builder: keeps each pupil's progress from the observation events and (later) writes reports."""
