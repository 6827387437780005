# A 2,500-issue Redmine project for the scale test, seeded in one short transaction.
#
# Run by tests/redmine_support/scale.py through `scripts/redmine-test-server runner`;
# ARGV[0] is the layout as JSON (its "tag" names the version of this layout). Prints one
# line "SCALE=<json>" describing what exists (ids and counts), which is also stored as the
# description of the root project: a later session reads it over REST and reuses the
# fixture instead of seeding again.
#
# Layout (identifiers are fixed; every project is private, the API user is admin):
#   <root>           initiatives, and the epics outside the scanned project
#   <root>-scan      the scanned project: one epic whose children all live in <root>-more,
#                    then stories under the outside epics (round robin); some carry a note
#                    by the API user (its `updated_by` filter then lists them)
#   <root>-more      the wide epic's children (more than one page of 100)
#
# Why not Issue.create!: each create re-balances the nested set of its root (thousands of
# row updates per story under a big initiative) and runs every callback; ~70 issues/s.
# insert_all with the nested set computed here writes the same rows in well under a second,
# so the server's own writes never wait long for SQLite's lock.
require 'json'

layout = JSON.parse(ARGV[0])
root_id = layout.fetch('root')
tag = layout.fetch('tag')
ids = [root_id, "#{root_id}-scan", "#{root_id}-more"]

existing = Project.find_by(identifier: root_id)
if existing && !layout['force'] && existing.description.to_s.start_with?("#{tag}\n")
  puts "SCALE=#{existing.description.to_s.split("\n", 2)[1]}"
  exit 0
end

now = Time.now.utc.change(usec: 0)
admin = User.find_by_login('admin')
status = IssueStatus.find_by(name: 'New')
priority = IssuePriority.default || IssuePriority.first
trackers = Tracker.all.index_by(&:name)
why = "h2. Why\n\nCustomers wait a day for this today.\n\nh2. Done when\n\n* it ships\n* reviewed"
goal = "h2. Why\n\nSupport spends two days a week on it.\n\nh2. Success criteria\n\n* tickets drop to 5 a month"

ActiveRecord::Base.transaction do
  # An older layout (or a half-finished seed): remove it without per-issue callbacks.
  old = Project.where(identifier: ids).to_a
  unless old.empty?
    issue_ids = Issue.where(project_id: old.map(&:id)).pluck(:id)
    Journal.where(journalized_type: 'Issue', journalized_id: issue_ids).delete_all
    CustomValue.where(customized_type: 'Issue', customized_id: issue_ids).delete_all
    IssueRelation.where(issue_from_id: issue_ids).or(IssueRelation.where(issue_to_id: issue_ids)).delete_all
    Issue.where(id: issue_ids).delete_all
    old.sort_by { |p| -p.lft }.each(&:destroy)
  end

  make = lambda do |identifier, parent|
    p = Project.new(name: "trackerguard #{identifier}", identifier: identifier, is_public: false)
    p.tracker_ids = trackers.values.map(&:id)
    p.enabled_module_names = ['issue_tracking']
    p.save!
    p.set_parent!(parent) if parent
    p
  end
  root = make.call(root_id, nil)
  scan = make.call("#{root_id}-scan", root)
  more = make.call("#{root_id}-more", root)
  v_root = Version.create!(project: root, name: '2031.2', effective_date: Date.new(2031, 6, 30))
  v_scan = Version.create!(project: scan, name: '2031.1', effective_date: Date.new(2031, 3, 31))

  # Ids are chosen here (the transaction holds SQLite's write lock since the projects).
  next_id = (Issue.maximum(:id) || 0) + 1
  rows = []
  children = Hash.new { |h, k| h[k] = [] }
  add = lambda do |project, tracker, subject, parent, extra = {}|
    id = next_id
    next_id += 1
    rows << {
      id: id, project_id: project.id, tracker_id: trackers.fetch(tracker).id,
      subject: subject, description: extra.fetch(:description, why),
      status_id: status.id, priority_id: priority.id, author_id: admin.id,
      assigned_to_id: extra[:assigned] ? admin.id : nil,
      fixed_version_id: extra[:version]&.id, due_date: extra[:due],
      parent_id: parent, lock_version: 0, done_ratio: 0, is_private: false,
      created_on: now - 3600, updated_on: now - 3600, start_date: nil
    }
    children[parent] << id if parent
    id
  end

  initiatives = (1..layout.fetch('initiatives')).map do |n|
    add.call(root, 'Initiative', "Initiative #{n}", nil,
             description: goal, assigned: true, due: Date.new(2031, 12, 31))
  end
  epics = (1..layout.fetch('outside_epics')).map do |n|
    add.call(root, 'Epic', "Epic #{n}", initiatives[n % initiatives.size],
             description: goal, assigned: true, version: v_root)
  end
  wide = add.call(scan, 'Epic', 'Wide epic', initiatives[0],
                  description: goal, assigned: true, version: v_scan)
  stories = (1..(layout.fetch('scanned') - 1)).map do |n|
    tracker = (n % 10).zero? ? 'Bug' : 'Task'
    add.call(scan, tracker, "Story #{n}", epics[n % epics.size], version: v_scan)
  end
  wide_children = (1..layout.fetch('wide_children')).map do |n|
    add.call(more, 'Task', "Wide step #{n}", wide)
  end

  # Nested sets: one tree per root issue, numbered depth first.
  by_id = rows.index_by { |r| r[:id] }
  number = lambda do |id, root, counter|
    row = by_id[id]
    row[:root_id] = root
    row[:lft] = counter
    counter += 1
    children[id].each { |c| counter = number.call(c, root, counter) }
    row[:rgt] = counter
    counter + 1
  end
  rows.each { |r| number.call(r[:id], r[:id], 1) if r[:parent_id].nil? }
  Issue.insert_all!(rows)

  # Notes by the API user on some stories: `updated_by` lists them, their journals are read.
  touched = stories.first(layout.fetch('touched'))
  Journal.insert_all!(touched.map do |id|
    { journalized_id: id, journalized_type: 'Issue', user_id: admin.id,
      notes: 'Discussed in planning: keep the scope as written.', private_notes: false,
      created_on: now - 1800 }
  end)
  Issue.where(id: touched).update_all(updated_on: now - 1800)

  summary = {
    'tag' => tag, 'projects' => ids, 'scanned' => stories.size + 1,
    'initiatives' => initiatives, 'outside_epics' => epics.size, 'wide' => wide,
    'wide_children' => wide_children.size, 'touched' => touched.size,
    'first_id' => rows.first[:id], 'last_id' => rows.last[:id]
  }.to_json
  root.update_column(:description, "#{tag}\n#{summary}")
  puts "SCALE=#{summary}"
end
