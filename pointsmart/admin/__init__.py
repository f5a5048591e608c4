"""Admin pages under ``/admin``: village settings, grids, households and members, staff users
and roles, rules, and the audit log.

Every change goes through a service function here (or the owning package's service) that
checks the actor's role for the village and writes an audit entry in the same transaction.
"""
