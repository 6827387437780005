"""``/myself`` is looked up once per process and credential (issue 11 point 5): the service
runs many checks, and each must not cost the bot-identity request again."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from trackerguard.plugins.jira.client import JiraClient, forget_identities
from trackerguard.plugins.jira.settings import JiraSettings

from tests.jira_sim import SimState, realistic
from tests.jira_sim.harness import simulator
from trackerguard.errors import AuthError


def myself_calls(sim: object) -> int:
    return sum(1 for _, path, _ in sim.log if path.endswith("/myself"))  # type: ignore[attr-defined]


def settings_for(sim: object, token: str) -> JiraSettings:
    state = sim.state  # type: ignore[attr-defined]
    return JiraSettings(
        url=sim.url,  # type: ignore[attr-defined]
        email=state.bot_email,
        token=SecretStr(token),
        flavor="cloud",
    )


def test_myself_is_asked_once_per_process_and_credential() -> None:
    forget_identities()
    with simulator(realistic(SimState("cloud"))) as sim:
        good = settings_for(sim, sim.state.token)
        first = JiraClient(good, {}).myself()
        second = JiraClient(good, {}).myself()  # a second check in the same process
        assert first == second and first.get("accountId")
        assert myself_calls(sim) == 1
        # Another credential is another identity: looked up (and refused) on its own.
        bad = settings_for(sim, "not-the-token")
        for _ in range(2):
            with pytest.raises(AuthError):
                JiraClient(bad, {}).myself()
        assert myself_calls(sim) == 3  # failures are never cached
    forget_identities()
