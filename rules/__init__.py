"""The built-in rule pack, installed as ``trackerguard.rules``.

One module per rule; they register through ``trackerguard_register_rules`` exactly like a
third-party plugin does, so the core eats its own dog food.
"""

from __future__ import annotations

from trackerguard.hooks import RegisterRule, hookimpl


@hookimpl
def trackerguard_register_rules(register: RegisterRule) -> None:
    """Register TG101-TG103 and TG201-TG205."""
    from trackerguard.rules.tg101_serves_a_goal import ServesAGoal
    from trackerguard.rules.tg102_goal_is_live import GoalIsLive
    from trackerguard.rules.tg103_has_purpose import HasPurpose
    from trackerguard.rules.tg201_goal_has_plan import GoalHasPlan
    from trackerguard.rules.tg202_goal_has_owner import GoalHasOwner
    from trackerguard.rules.tg203_goal_has_horizon import GoalHasHorizon
    from trackerguard.rules.tg204_goal_has_success_measure import GoalHasSuccessMeasure
    from trackerguard.rules.tg205_goal_is_moving import GoalIsMoving

    for rule in (
        ServesAGoal,
        GoalIsLive,
        HasPurpose,
        GoalHasPlan,
        GoalHasOwner,
        GoalHasHorizon,
        GoalHasSuccessMeasure,
        GoalIsMoving,
    ):
        register(rule)
