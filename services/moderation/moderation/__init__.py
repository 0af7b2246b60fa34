"""moderation: moderation rounds across a trust — stratified, reproducible sampling; blind second
judgements, pseudonymised across schools; agreed judgements sent back to the observation store as
amendments; agreement (percentage and weighted kappa) and its trend; the exemplar library; CPD
records; and the report for the central team and governors.
"""
