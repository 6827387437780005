"""A Jira simulator for tests: real HTTP on 127.0.0.1, stateful, validated against the spec."""

from tests.jira_sim.backlog import big, realistic
from tests.jira_sim.server import Fault, JiraSim
from tests.jira_sim.state import SimState

__all__ = ["Fault", "JiraSim", "SimState", "big", "realistic"]
