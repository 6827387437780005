"""``/myself`` is looked up once per process and credential (issue 11 point 5): the service
runs many checks, and each must not cost the bot-identity request again."""

from __future__ import annotations

import time

import pytest
from pydantic import SecretStr
from trackerguard.plugins.jira.client import JiraClient, forget_identities
from trackerguard.plugins.jira.settings import JiraSettings

from tests.jira_sim import SimState, realistic
from tests.jira_sim.harness import simulator
from trackerguard.errors import AuthError, TrackerError


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


@pytest.mark.parametrize("flavor", ["cloud", "datacenter"])
def test_an_unconfigured_flavor_asks_serverinfo_and_myself_at_once(flavor: str) -> None:
    """Before the flavor is known, ``/myself`` goes to REST v2 (both flavors serve it) in
    parallel with serverInfo: the two round trips cost one."""
    forget_identities()
    with simulator(realistic(SimState(flavor)), latency=0.4) as sim:  # type: ignore[arg-type]
        state = sim.state
        settings = JiraSettings(
            url=sim.url,
            email=state.bot_email if flavor == "cloud" else None,
            token=SecretStr(state.token if flavor == "cloud" else state.pat),
        )
        client = JiraClient(settings, {})
        started = time.perf_counter()
        me = client.connect()
        took = time.perf_counter() - started
        assert client.flavor == flavor and (me.get("accountId") or me.get("name"))
        paths = sorted(path for _, path, _ in sim.log)
        assert paths == ["/rest/api/2/myself", "/rest/api/2/serverInfo"]
        assert took < 0.75, took  # one 0.4 s round trip, not two
        # Known now: a second client of the process asks nothing more of identity.
        JiraClient(settings, {}).connect()
        assert myself_calls(sim) == 1
    forget_identities()


def test_when_serverinfo_fails_its_error_is_the_one_reported() -> None:
    forget_identities()
    with simulator(realistic(SimState("cloud"))) as sim:
        sim.inject(500, count=None, match="serverInfo")
        settings = JiraSettings(
            url=sim.url, email=sim.state.bot_email, token=SecretStr(sim.state.token)
        )
        settings = settings.model_copy(update={"max_retries": 0})
        with pytest.raises(TrackerError, match="serverInfo: HTTP 500"):
            JiraClient(settings, {}).connect()
        assert myself_calls(sim) == 1  # asked at the same time, and answered
    forget_identities()


def test_bad_credentials_fail_the_parallel_check() -> None:
    forget_identities()
    with simulator(realistic(SimState("cloud"))) as sim:
        settings = JiraSettings(url=sim.url, email=sim.state.bot_email, token=SecretStr("x"))
        with pytest.raises(AuthError, match="rejected the credentials"):
            JiraClient(settings, {}).connect()
        assert myself_calls(sim) == 1
    forget_identities()
