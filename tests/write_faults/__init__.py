"""The write fault-injection suite: one driver per adapter, one set of scenarios for all.

A :class:`Driver` starts an adapter's tracker (its simulator, or the real Redmine server),
puts a :class:`~tests.sim_support.faults.FaultProxy` in front of it, and answers the
questions every scenario asks: run ``check``, how many trackerguard comments each item has,
seed a person's comment carrying the marker, seed duplicate bot comments.
"""
