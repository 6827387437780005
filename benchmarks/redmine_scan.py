"""Benchmark: scanning a 2,000-issue Redmine project, in full and with ``--since last``.

Needs the test server (``scripts/redmine-test-server start``) and root (the fixture is seeded
with ``rails runner`` as www-data, ~10x faster than REST). Steps, each a real CLI run:

1. seed the project (10 initiatives, 40 epics, N tasks; ~5% orphans, ~5% without purpose);
2. full scan with ``--apply`` (writes the notes and blocks);
3. full scan, dry run, twice: right after the writes (their journals are re-read once), then
   steady state (journal facts cached by ``updated_on``: what a nightly full scan costs);
4. ``--since last`` with nothing changed;
5. ``--since last`` after 20 changed issues, then after 100.

Prints a Markdown table of wall time and requests per step (``benchmarks/RESULTS_redmine.md``).

    python benchmarks/redmine_scan.py [--issues 2000] [--project tg-bench]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from redmine_support.cli import CheckResult, run_check, write_config  # noqa: E402
from redmine_support.rest import RedmineRest  # noqa: E402
from redmine_support.server import locate  # noqa: E402

SEED_RB = r"""
ident = ARGV[0]
count = ARGV[1].to_i
admin = User.find_by_login('admin')
User.current = admin
Project.find_by(identifier: ident)&.destroy
project = Project.create!(name: "trackerguard #{ident}", identifier: ident, is_public: false,
                          tracker_ids: Tracker.pluck(:id))
Member.create!(project: project, user: admin, roles: [Role.givable.first])
trackers = Tracker.all.index_by(&:name)
status = IssueStatus.find_by(name: 'New')
priority = IssuePriority.default || IssuePriority.first
version = project.versions.create!(name: '2030.1', effective_date: Date.new(2030, 6, 30))
goal = "h2. Why\n\nCustomers churn because reports are slow.\n\nh2. Success criteria\n\n" \
       "* p95 report time under 2 s\n* churn from 4% to 3%"
work = "h2. Why\n\nStep %d of the plan cannot start until this is ready, which delays " \
       "the release for every customer.\n\nh2. Done when\n\n* it is released"
dev = User.find_by_login('dev') || User.create!(login: 'dev', firstname: 'Dana', lastname: 'Dev',
                                               mail: 'dev@example.net', password: 'dev-password-1')
Member.create!(project: project, user: dev, roles: [Role.givable.first])
# Parents are set with one UPDATE per epic and one nested-set rebuild: inserting children one
# by one rewrites lft/rgt of the whole tree each time (minutes instead of seconds).
make = lambda do |tracker, subject, description, owner|
  Issue.create!(project: project, tracker: trackers[tracker], subject: subject, author: admin,
                status: status, priority: priority, description: description,
                fixed_version: owner ? version : nil, assigned_to: owner ? admin : nil)
end
Mailer.with_deliveries(false) do
ActiveRecord::Base.transaction do
  initiatives = (1..10).map { |i| make.call('Initiative', "Initiative #{i}", goal, true) }
  epics = (1..40).map { |i| make.call('Epic', "Epic #{i}", goal, true) }
  epics.each_with_index do |e, i|
    Issue.where(id: e.id).update_all(parent_id: initiatives[i % 10].id)
  end
  children = Hash.new { |h, k| h[k] = [] }
  count.times do |i|
    description = (i % 20) == 7 ? '' : format(work, i)
    task = make.call('Task', "Task #{i}", description, false)
    children[epics[i % 40].id] << task.id unless (i % 20).zero? # every 20th task is an orphan
  end
  children.each { |parent, ids| Issue.where(id: ids).update_all(parent_id: parent) }
  Issue.rebuild_tree!
end
end
puts project.issues.count
"""


def seed(project: str, issues: int) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".rb", delete=False) as handle:
        handle.write(SEED_RB)
        script = handle.name
    started = time.perf_counter()
    subprocess.run(
        [str(ROOT / "scripts" / "redmine-test-server"), "runner", script, project, str(issues)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    Path(script).unlink()
    return time.perf_counter() - started


def timed(config: Path, key: str, *args: str) -> tuple[CheckResult, float]:
    started = time.perf_counter()
    result = run_check(config, key, *args, timeout=1800)
    elapsed = time.perf_counter() - started
    if result.code not in (0, 1):
        raise SystemExit(f"check failed ({result.code}): {result.stderr[-2000:]}")
    return result, elapsed


def change(rest: RedmineRest, project: str, count: int, round_: int) -> None:
    """Edit ``count`` tasks as the user ``dev`` (admin impersonation), not as the bot."""
    rows = rest.get(
        "/issues.json", project_id=project, tracker_id=rest.trackers["Task"], limit=count
    )["issues"]
    for row in rows[:count]:
        subject = f"{row['subject'].split(' (')[0]} (r{round_})"
        response = rest.http.put(
            f"/issues/{row['id']}.json",
            json={"issue": {"subject": subject}},
            headers={"X-Redmine-Switch-User": "dev"},
        )
        response.raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=2000, help="tasks to create")
    parser.add_argument("--project", default="tg-bench")
    args = parser.parse_args()
    server, reason = locate()
    if server is None:
        raise SystemExit(reason)
    rest = RedmineRest(server.url, server.api_key)
    seconds = seed(args.project, args.issues)
    total = args.issues + 50
    print(f"seeded {total} issues with rails runner in {seconds:.1f} s", file=sys.stderr)
    work = Path(tempfile.mkdtemp(prefix="tg-bench-"))
    config = write_config(work, server.url, [args.project])
    rows: list[tuple[str, CheckResult, float]] = []
    rows.append(("full scan, --apply (first run)", *timed(config, server.api_key, "--apply")))
    rows.append(("full scan, dry run (after the writes)", *timed(config, server.api_key)))
    rows.append(("full scan, dry run (steady state)", *timed(config, server.api_key)))
    time.sleep(1.1)  # Redmine timestamps have whole seconds
    rows.append(("--since last, 0 changes", *timed(config, server.api_key, "--since", "last")))
    for round_, count in enumerate((20, 100), start=1):
        time.sleep(1.1)
        change(rest, args.project, count, round_)
        label = f"--since last, {count} changed issues"
        rows.append((label, *timed(config, server.api_key, "--since", "last")))
    rest.close()
    print(f"\n{total} issues ({args.issues} tasks), project `{args.project}`\n")
    print("| step | items judged | read requests | write requests | wall time |")
    print("|---|---:|---:|---:|---:|")
    for label, result, elapsed in rows:
        req = result.requests
        items = result.report["summary"]["items"]
        print(f"| {label} | {items} | {req['read']} | {req['write']} | {elapsed:.1f} s |")


if __name__ == "__main__":
    main()
